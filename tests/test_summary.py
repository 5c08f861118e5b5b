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
from trialkg.ingest import ingest_paths, open_for_writing
from trialkg.store import TrialStore
from trialkg.summary import SUMMARY_GRAPH, SummaryState, mark_stale, summary_state

CORE = Path(__file__).parent / "data" / "ctgov-v2"
STALE_WARNING = "may predate its studies"


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
    assert done.returncode == 0 and "1 studies loaded" in done.stderr, done.stderr
    assert counted(tmp_store) == {("PHASE1/PHASE2", "COMPLETED"): 1, ("NONE", "RECRUITING"): 1}


def test_the_progress_display_says_when_it_recounts(tmp_store: Path) -> None:
    done = run_cli("ingest", "--progress", "--store", str(tmp_store), str(CORE))
    assert done.returncode == 0, done.stderr
    assert "recounting the summary counts" in done.stderr
    again = run_cli("ingest", "--progress", "--store", str(tmp_store), str(CORE))
    assert "2 unchanged" in again.stderr  # nothing changed: no recount, nothing said
    assert "recounting the summary counts" not in again.stderr
