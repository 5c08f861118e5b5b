"""The summary counts a store keeps (…/graph/summary): right after every kind of write.

The counts are checked against the source records, read here without trialkg's importer.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from tests.conftest import run_cli, shared_path
from trialkg.iris import TKG, mesh_iri, normalise_mesh_id
from trialkg.store import TrialStore
from trialkg.store.ingest import ingest_paths, open_for_writing
from trialkg.store.summary import (
    SUMMARY_GRAPH,
    Counts,
    SummaryState,
    full_counts,
    mark_stale,
    stored_counts,
    summary_state,
)

CORE = Path(__file__).parent / "data" / "ctgov-v2"
STALE_WARNING = "may predate its studies"
STATUS = TKG + "status_"


def records(folder: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        studies = doc.get("studies", [doc]) if isinstance(doc, dict) else doc
        for s in studies:
            if not (isinstance(s, dict) and "protocolSection" in s):
                continue
            nct = s["protocolSection"]["identificationModule"]["nctId"]
            if nct not in out or updated(s) > updated(out[nct]):  # the newest version
                out[nct] = s
    return out


def updated(rec: dict[str, Any]) -> str:
    return str(rec["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"])


def phase(rec: dict[str, Any]) -> str:
    phases = sorted(rec["protocolSection"].get("designModule", {}).get("phases", []))
    if not phases:
        return "NONE"
    return phases[0] if len(phases) == 1 else f"{phases[0]}/{phases[-1]}"


def phase_status(recs: dict[str, dict[str, Any]]) -> dict[tuple[str, str], int]:
    return dict(Counter((phase(r), r["protocolSection"]["statusModule"]["overallStatus"])
                        for r in recs.values()))


def sites(recs: dict[str, dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(loc["country"] for r in recs.values()
                        for loc in r["protocolSection"].get("contactsLocationsModule", {})
                        .get("locations", [])))


def query(store: Path, name: str, *params: str) -> tuple[list[dict[str, str]], str]:
    args = [f"-p{p}" for p in params]
    done = run_cli("query", "run", name, *args, "--store", str(store), "--format", "csv")
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout))), done.stderr


def counted(store: Path) -> dict[tuple[str, str], int]:
    found, err = query(store, "phase-status-counts")
    assert STALE_WARNING not in err
    return {(r["phase"], r["status"]): int(r["trials"]) for r in found}


def test_ingest_keeps_counts_of_the_records(tmp_store: Path) -> None:
    """Core records (no ../shared): phases, statuses, enrollment, countries, sponsors."""
    report = ingest_paths([CORE], tmp_store, progress=False)
    assert report.ok and report.loaded == 2
    with TrialStore.open(tmp_store, read_only=True) as store:
        assert summary_state(store) == SummaryState.FRESH
    # NCT99000001: PHASE1 and PHASE2, completed; NCT99000002: no phase, recruiting.
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1, ("NONE", "RECRUITING"): 1}
    found, _ = query(tmp_store, "enrollment-by-phase")
    assert {r["phase"]: (r["trials"], r["total"]) for r in found} == {
        "PHASE1/PHASE2": ("1", "40"), "NONE": ("1", "120")}
    found, _ = query(tmp_store, "sites-by-country")
    assert {r["country"]: (int(r["sites"]), int(r["trials"])) for r in found} == {
        "France": (2, 2), "Korea, Republic of": (2, 2)}
    found, _ = query(tmp_store, "sponsor-collaborations", "sponsor=novartis")
    assert [(r["lead"], r["collaborator"], r["trials"]) for r in found] == [
        ("Example University Hospital", "Novartis", "1")]
    found, _ = query(tmp_store, "sponsor-collaborations")
    assert ("Example University Hospital", 'Tab\tand "quotes" <Org>') in {
        (r["lead"], r["collaborator"]) for r in found}


def test_remove_and_ingest_again_update_the_counts(tmp_store: Path) -> None:
    ingest_paths([CORE], tmp_store, progress=False)
    done = run_cli("remove", "NCT99000002", "--store", str(tmp_store))
    assert done.returncode == 0, done.stderr
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1}
    found, _ = query(tmp_store, "sites-by-country")
    assert {r["country"]: r["sites"] for r in found} == {"France": "1", "Korea, Republic of": "1"}
    # An id that is not in the store changes nothing, and leaves the counts fresh.
    assert run_cli("remove", "NCT99000009", "--store", str(tmp_store)).returncode == 1
    with TrialStore.open(tmp_store, read_only=True) as store:
        assert summary_state(store) == SummaryState.FRESH
    ingest_paths([CORE], tmp_store, progress=False)
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1, ("NONE", "RECRUITING"): 1}


def test_unchanged_reingest_leaves_the_summary_as_it_was(tmp_store: Path) -> None:
    ingest_paths([CORE], tmp_store, progress=False)
    with TrialStore.open(tmp_store, read_only=True) as store:
        before = set(store.quads([SUMMARY_GRAPH]))
    report = ingest_paths([CORE], tmp_store, progress=False)
    assert report.unchanged == 2 and report.loaded == 0
    with TrialStore.open(tmp_store, read_only=True) as store:
        assert set(store.quads([SUMMARY_GRAPH])) == before
        assert summary_state(store) == SummaryState.FRESH


def test_counts_left_by_a_cut_off_write_are_flagged_then_mended(tmp_store: Path) -> None:
    """A writer killed mid-way leaves the stale mark it set first (see the SIGKILL test in
    test_ingest_scale.py for a real kill); readers are told, the next ingest mends it."""
    ingest_paths([CORE], tmp_store, progress=False)
    with open_for_writing(tmp_store) as store:
        assert mark_stale(store) == SummaryState.FRESH
    _, err = query(tmp_store, "phase-status-counts")
    assert STALE_WARNING in err and "trialkg ingest" in err
    _, err = query(tmp_store, "trials-by-sponsor", "sponsor=novartis")  # reads no counts
    assert STALE_WARNING not in err
    report = ingest_paths([CORE], tmp_store, progress=False)
    assert report.unchanged == 2
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1, ("NONE", "RECRUITING"): 1}


def test_a_store_without_counts_says_how_to_get_them(tmp_store: Path) -> None:
    ingest_paths([CORE], tmp_store, progress=False)
    with open_for_writing(tmp_store) as store:  # as a store written by an older trialkg
        store.store.remove_graph(ox.NamedNode(SUMMARY_GRAPH))
    found, err = query(tmp_store, "phase-status-counts")
    assert found == [] and "has none" in err
    ingest_paths([CORE], tmp_store, progress=False)  # unchanged records: counts computed
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1, ("NONE", "RECRUITING"): 1}


@pytest.mark.shared
def test_real_records_counts_follow_a_removal(tmp_store: Path) -> None:
    folder = shared_path("data", "ctgov-v2")
    recs = records(folder)
    report = ingest_paths([folder], tmp_store, progress=False)
    assert report.ok
    assert counted(tmp_store) == phase_status(recs)
    before = {r["country"]: int(r["sites"]) for r in query(tmp_store, "sites-by-country")[0]}
    assert before == sites(recs)
    # NCT05850520 (Bayer, phase 3, recruiting) has 315 sites, 61 of them in the United States.
    gone = recs.pop("NCT05850520")
    locations = gone["protocolSection"]["contactsLocationsModule"]["locations"]
    assert len(locations) == 315
    assert Counter(loc["country"] for loc in locations)["United States"] == 61
    assert run_cli("remove", "NCT05850520", "--store", str(tmp_store)).returncode == 0
    assert counted(tmp_store) == phase_status(recs)
    found, _ = query(tmp_store, "sites-by-country")
    after = {r["country"]: int(r["sites"]) for r in found}
    assert after == sites(recs)
    assert before["United States"] - after["United States"] == 61


def test_no_summary_defers_the_recount_to_the_next_ingest(tmp_store: Path) -> None:
    done = run_cli("ingest", "--no-summary", "--no-progress", "--store", str(tmp_store),
                   str(CORE / "NCT99000001.json"))
    assert done.returncode == 0, done.stderr
    assert "summary counts are left stale" in done.stderr
    _, err = query(tmp_store, "phase-status-counts")
    assert STALE_WARNING in err
    done = run_cli("ingest", "--no-progress", "--store", str(tmp_store), str(CORE))
    assert done.returncode == 0 and "1 study loaded" in done.stderr, done.stderr
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1, ("NONE", "RECRUITING"): 1}


def test_the_progress_display_says_when_it_recounts(tmp_store: Path) -> None:
    done = run_cli("ingest", "--progress", "--store", str(tmp_store), str(CORE))
    assert done.returncode == 0, done.stderr
    assert "recounting the summary counts" not in done.stderr  # kept as the studies load
    with open_for_writing(tmp_store) as store:  # as after a write that was cut off
        mark_stale(store)
    again = run_cli("ingest", "--progress", "--store", str(tmp_store), str(CORE))
    assert "2 unchanged" in again.stderr
    assert "recounting the summary counts" in again.stderr  # every study is read
    third = run_cli("ingest", "--progress", "--store", str(tmp_store), str(CORE))
    assert "recounting the summary counts" not in third.stderr  # nothing changed


# --- counts kept from the touched trials equal a recount of every study ----------------


def kept_and_recounted(path: Path) -> tuple[Counts, Counts]:
    with TrialStore.open(path, read_only=True) as store:
        assert summary_state(store) == SummaryState.FRESH
        return stored_counts(store), full_counts(store)


def variant(tmp_path: Path, name: str, nct: str, *, status: str, enrollment: int | None,
            updated: str) -> Path:
    """A copy of the core record NCT99000001 under another id, with edits."""
    doc = json.loads((CORE / "NCT99000001.json").read_text(encoding="utf-8"))
    p = doc["protocolSection"]
    p["identificationModule"]["nctId"] = nct
    p["statusModule"]["overallStatus"] = status
    p["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated}
    doc.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["versionHolder"] = \
        updated  # the record version: a later one replaces the stored study
    if enrollment is None:
        p["designModule"].pop("enrollmentInfo", None)
    else:
        p["designModule"]["enrollmentInfo"] = {"count": enrollment, "type": "ACTUAL"}
    out = tmp_path / name
    out.mkdir(exist_ok=True)
    (out / f"{nct}.json").write_text(json.dumps(doc), encoding="utf-8")
    return out / f"{nct}.json"


def enrollment_of(path: Path, phase_: str, status: str) -> dict[str, str]:
    found, _ = query(path, "enrollment-by-phase")
    rows = [r for r in found if r["phase"] == phase_ and r.get("status", status) == status]
    assert len(rows) == 1, found
    return rows[0]


def test_a_replaced_extreme_is_recounted(tmp_store: Path, tmp_path: Path) -> None:
    """The largest and smallest enrollment of a group follow replacements and removals: a
    removed extreme is recounted from the studies that remain (core records, no ../shared)."""
    a = variant(tmp_path, "a", "NCT99000101", status="COMPLETED", enrollment=10,
                updated="2024-01-01")
    b = variant(tmp_path, "b", "NCT99000102", status="COMPLETED", enrollment=100,
                updated="2024-01-01")
    ingest_paths([a, b, CORE], tmp_store, progress=False)
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    row = kept["phase-status"][("PHASE1/PHASE2", STATUS + "COMPLETED")]
    # NCT99000001 enrols 40: three trials of 10, 40 and 100
    assert (row["trials"], row["total"], row["smallest"], row["largest"]) == (3, 150, 10, 100)
    # The largest trial shrinks to 50: the next largest is not known without a recount.
    b2 = variant(tmp_path, "b2", "NCT99000102", status="COMPLETED", enrollment=50,
                 updated="2024-06-01")
    assert ingest_paths([b2], tmp_store, progress=False).replaced == 1
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    row = kept["phase-status"][("PHASE1/PHASE2", STATUS + "COMPLETED")]
    assert (row["trials"], row["total"], row["smallest"], row["largest"]) == (3, 100, 10, 50)
    # The smallest trial stops registering an enrollment and its status changes.
    a2 = variant(tmp_path, "a2", "NCT99000101", status="TERMINATED", enrollment=None,
                 updated="2024-06-01")
    ingest_paths([a2], tmp_store, progress=False)
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    row = kept["phase-status"][("PHASE1/PHASE2", STATUS + "COMPLETED")]
    assert (row["trials"], row["total"], row["smallest"], row["largest"]) == (2, 90, 40, 50)
    gone = kept["phase-status"][("PHASE1/PHASE2", STATUS + "TERMINATED")]
    assert (gone["trials"], gone["enrolled"], gone["smallest"]) == (1, 0, None)
    # Removing the largest leaves NCT99000001's 40 alone.
    assert run_cli("remove", "NCT99000102", "--store", str(tmp_store)).returncode == 0
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    row = kept["phase-status"][("PHASE1/PHASE2", STATUS + "COMPLETED")]
    assert (row["trials"], row["total"], row["smallest"], row["largest"]) == (1, 40, 40, 40)


@pytest.mark.shared
@pytest.mark.parametrize("worker", [False, True], ids=["in-process", "worker"])
def test_counts_kept_through_writes_equal_a_recount(tmp_store: Path, worker: bool) -> None:
    """Batches of new studies, a newer capture replacing an older one, a registry record
    with a curated addition (two graphs about one trial), a removal: after each write the
    counts the store kept from the touched trials equal a recount of every study."""
    v2 = shared_path("data", "ctgov-v2")
    files = sorted(p for p in v2.glob("*.json") if "2025-09-11" not in p.name)
    steps: list[list[Path]] = [files[: len(files) // 2], files[len(files) // 2:],
                               [v2 / "NCT04267848.2025-09-11.json"],
                               [shared_path("data", "ctgov-xml", "seed-trials", "NCT02495519.xml"),
                                Path("curated") / "additions" / "NCT02495519.yaml"]]
    for n, step in enumerate(steps):
        report = ingest_paths(step, tmp_store, progress=False, batch_size=4, worker=worker)
        assert report.loaded, (n, report.summary())
        kept, full = kept_and_recounted(tmp_store)
        assert kept == full, n
    assert report.loaded == 2  # the XML record and its curated addition
    # NCT02495519's two graphs give it two enrollments (the snapshot's and the page's 21):
    # each counts, as the query over the studies counts them.
    assert sum(r["trials"] for r in kept["phase-status"].values()) == \
        len(records(v2)) + 1 + 1
    assert run_cli("remove", "NCT05850520", "NCT02495519", "--store",
                   str(tmp_store)).returncode == 0
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    assert sum(r["trials"] for r in kept["phase-status"].values()) == len(records(v2)) - 1


def test_a_registry_label_is_kept_only_where_mesh_has_none(tmp_store: Path,
                                                           tmp_path: Path) -> None:
    """A descriptor MeSH 2025 lacks (a retired one, as old records carry) keeps the registry's
    smallest name in the counts; when the trial with that name is removed, the next one is
    recounted. A descriptor the MeSH graph labels keeps none: the query shows MeSH's."""
    paths = []
    for nct, name in (("NCT99000201", "Alpha retired drug"), ("NCT99000202", "Zeta retired drug")):
        path = variant(tmp_path, nct, nct, status="COMPLETED", enrollment=5, updated="2024-01-01")
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["derivedSection"]["interventionBrowseModule"]["meshes"].append(
            {"id": "D000999990", "term": name})
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(path)
    ingest_paths(paths, tmp_store, progress=False)
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    pairs = kept["drug-condition"]
    retired, imatinib = ((mesh_iri(normalise_mesh_id(d)), mesh_iri(normalise_mesh_id("D000018222")))
                         for d in ("D000999990", "D000068877"))
    assert pairs[retired]["trials"] == 2 and pairs[retired]["drugLabel"] == "Alpha retired drug"
    assert pairs[retired]["conditionLabel"] is None  # Fibromatosis, Aggressive: MeSH's label
    assert pairs[imatinib]["drugLabel"] is None and pairs[imatinib]["trials"] == 2
    found, _ = query(tmp_store, "drug-condition-cooccurrence")
    shown = {(r["drugLabel"], r["conditionLabel"]): r["trials"] for r in found}
    assert shown == {("Alpha retired drug", "Fibromatosis, Aggressive"): "2",
                     ("Imatinib Mesylate", "Fibromatosis, Aggressive"): "2"}
    assert run_cli("remove", "NCT99000201", "--store", str(tmp_store)).returncode == 0
    kept, full = kept_and_recounted(tmp_store)
    assert kept == full
    assert kept["drug-condition"][retired]["drugLabel"] == "Zeta retired drug"
