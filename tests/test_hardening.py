"""Hardening: mutated real records never crash an importer or the ingest.

Every importer in ``tests.fuzz.IMPORTERS`` (API v2 JSON, legacy XML, curated YAML) is fed
its real records, mutated; each either loads or yields a RecordError with a clear message
(see :func:`tests.fuzz.try_record`). Hardening another importer is one entry in
``IMPORTERS`` plus its seed records in ``SEEDS``.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, REPO, SHARED, run_cli
from tests.fuzz import IMPORTERS, MUTATIONS, Importer, mutate, try_record
from trialkg.export import export
from trialkg.formats import FORMATS
from trialkg.sources import ctgov_xml, curated
from trialkg.sources.ctgov_json import read_bytes
from trialkg.store import TrialStore

#: importer -> the real records it is fed: ../shared when present, else a folder in the repo
#: (None: the importer's hardening tests skip without ../shared).
SEEDS: dict[str, tuple[Path, Path | None]] = {
    "ctgov-json": (SHARED / "data" / "ctgov-v2", DATA / "ctgov-v2"),
    "ctgov-xml": (SHARED / "data" / "ctgov-xml", None),
    "curated": (REPO / "curated", REPO / "curated"),
}
#: One good record of each format, for the CLI test (shared ones skip when absent).
GOOD = {
    "ctgov-json": DATA / "ctgov-v2" / "NCT99000001.json",
    "ctgov-xml": SHARED / "data" / "ctgov-xml" / "seed-trials" / "NCT00287846.xml",
    "curated": REPO / "curated" / "trials" / "EORTC-62027.yaml",
}
EVERY_IMPORTER = [pytest.param(name, id=name) for name in sorted(IMPORTERS)]


def seed_records(importer: Importer) -> list[bytes]:
    shared, core = SEEDS[importer.name]
    folder = shared if shared.is_dir() else core
    if folder is None:
        pytest.skip(f"needs {shared} (the shared data folder beside the repository)")
    paths = sorted(p for p in folder.rglob("*") if p.suffix in importer.suffixes)
    # The largest records (hundreds of KB of results) make each example slow; the
    # mutations that matter are in the protocol, which every record has.
    return [p.read_bytes() for p in paths if p.stat().st_size < 200_000]


#: (importer, mutation) pairs that take more than a few seconds: the curated reader parses
#: YAML in pure Python and validates every 1 MB string against the schema.
SLOW = {("curated", "huge string")}


@pytest.mark.parametrize(
    ("importer_name", "kind"),
    [pytest.param(name, kind, id=f"{name}-{kind}",
                  marks=[pytest.mark.slow] if (name, kind) in SLOW else [])
     for name in sorted(IMPORTERS) for kind in sorted(MUTATIONS)],
)
def test_mutated_records_load_or_fail_cleanly(importer_name: str, kind: str) -> None:
    importer = IMPORTERS[importer_name]
    records = seed_records(importer)

    @settings(max_examples=15, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(index=st.integers(0, len(records) - 1), seed=st.integers(0, 2**32))
    def check(index: int, seed: int) -> None:
        data = mutate(importer, records[index], kind, random.Random(seed))
        outcome, detail = try_record(importer, data)
        assert outcome != "crash", detail

    check()


@pytest.mark.parametrize("importer_name", EVERY_IMPORTER)
def test_unmutated_records_load(importer_name: str) -> None:
    importer = IMPORTERS[importer_name]
    for data in seed_records(importer):
        assert try_record(importer, data)[0] == "loaded"


@pytest.mark.parametrize("importer_name", EVERY_IMPORTER)
def test_decode_encode_keeps_the_record(importer_name: str) -> None:
    """Unmutated, a record survives the harness's decode/encode: mutations are all it sees."""
    importer = IMPORTERS[importer_name]
    for data in seed_records(importer)[:10]:
        again = importer.encode(importer.decode(data), False)
        assert [repr(i) for i in importer.read(again)] == [repr(i) for i in importer.read(data)]


def test_a_huge_bad_id_gives_a_short_message() -> None:
    record = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_bytes())
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT" + "9" * 1_000_000
    (error,) = read_bytes(json.dumps(record).encode(), "big.json")
    assert isinstance(error, ValueError)
    assert "not an NCT id" in str(error) and len(str(error)) < 200


def test_try_record_reports_a_crash() -> None:
    """The harness can fail: an importer that raises is a crash, not an error."""

    def broken(data: bytes) -> list[object]:
        raise KeyError("boom")

    importer = Importer("broken", json.loads, lambda t, a: b"{}", broken, (".json",))
    assert try_record(importer, b"{}") == ("crash", "KeyError: 'boom'")


NASTY = ["a\tb", "two  spaces", 'say "hi"', "<script>", "x>y<z", "back\\slash", "{}|^`",
         "new\nline", "\x00nul", "😀 ü", " ", "%20", "#frag", "?q=1", "../.."]


@given(names=st.lists(st.sampled_from(NASTY) | st.text(min_size=1, max_size=20),
                      min_size=1, max_size=4))
@settings(max_examples=40, deadline=None, derandomize=True)
def test_identifiers_never_make_an_invalid_iri(names: list[str]) -> None:
    """Names that become IRIs (organisations, conditions, arms) stay valid IRIs."""
    record = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_bytes())
    ps = record["protocolSection"]
    ps["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = names[0]
    ps["sponsorCollaboratorsModule"]["collaborators"] = [{"name": n} for n in names]
    ps["conditionsModule"]["conditions"] = names
    ps["armsInterventionsModule"]["armGroups"] = [{"label": n} for n in names]
    ps["armsInterventionsModule"]["interventions"][0]["armGroupLabels"] = names
    items = list(read_bytes(json.dumps(record).encode(), "nasty.json"))
    store = TrialStore.memory()
    report = store.ingest(items)
    stripped = [n for n in names if n.strip() and n.strip("\x00").strip()]
    if stripped:
        assert report.loaded == 1, report.errors
    out = io.BytesIO()
    export(store, FORMATS["ntriples"], out)
    text = out.getvalue()
    assert len(list(ox.parse(text, ox.RdfFormat.N_TRIPLES))) == len(store)
    assert len(rdflib.Graph().parse(data=text.decode("utf-8"), format="nt")) == len(store)
    for line in text.decode("utf-8").splitlines():
        for iri in (part for part in line.split(" ") if part.startswith("<")):
            assert not any(c in iri[1:-1] for c in ' \t\n"<>{}|^`\\'), iri


def test_seed_folders_exist_for_every_importer() -> None:
    assert set(SEEDS) == set(IMPORTERS) == set(GOOD)
    for _shared, core in SEEDS.values():
        assert core is None or core.is_dir()


def test_xml_huge_bad_date_gives_a_short_message() -> None:
    data = GOOD["ctgov-xml"]
    if not data.exists():
        pytest.skip(f"needs {data}")
    text = data.read_text("utf-8").replace(
        "<start_date>September 2004", "<start_date>September 2004" + "x" * 1_000_000)
    (error,) = ctgov_xml.read_bytes(text.encode(), "big.xml")
    assert isinstance(error, ValueError)
    assert str(error).startswith("big.xml [NCT00287846]: field start_date: not a date: ")
    assert "(1000014 characters)" in str(error) and len(str(error)) < 200


def _curated(**changes: object) -> list[object]:
    doc = yaml.safe_load(GOOD["curated"].read_text("utf-8"))
    doc.update(changes)
    return list(curated.read_bytes(yaml.safe_dump(doc).encode(), "c.yaml"))


def test_curated_trailing_newline_is_not_a_valid_id() -> None:
    """Python's ``$`` matches before a final newline; the schema's must not."""
    (error,) = _curated(trial_id="EORTC-62027\n")
    assert isinstance(error, ValueError)
    assert "field trial_id: 'EORTC-62027\\n' does not match" in str(error)


def test_curated_lone_surrogate_names_the_field() -> None:
    (error,) = _curated(conditions=["Dermatofibrosarcoma", "bad \udc80 text"])
    assert str(error) == ("c.yaml [EORTC-62027]: field conditions.1: text holds a lone "
                          "surrogate (not valid Unicode)")


def test_curated_huge_value_gives_a_short_message() -> None:
    (error,) = _curated(status="COMPLETED" + "<" * 1_000_000)
    assert "field status: 'COMPLETED<<<" in str(error) and len(str(error)) < 500


@pytest.mark.parametrize("importer_name", EVERY_IMPORTER)
def test_cli_batch_with_one_broken_file(importer_name: str, tmp_path: Path) -> None:
    """A folder of one good and one broken file: the good one loads, one error line, exit 1."""
    good = GOOD[importer_name]
    if not good.exists():
        pytest.skip(f"needs {good}")
    batch = tmp_path / "batch"
    batch.mkdir()
    data = good.read_bytes()
    (batch / f"good{good.suffix}").write_bytes(data)
    bad = batch / f"bad{good.suffix}"
    bad.write_bytes(data[: len(data) // 2] + b"\x00\x00{<[")  # cut, NUL, junk
    run = run_cli("ingest", "--store", str(tmp_path / "store"), str(batch))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {bad}: "), run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("1 study loaded, 1 failed")
