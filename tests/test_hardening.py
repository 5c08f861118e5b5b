"""Hardening: mutated real records never crash the importer or the ingest.

Each mutated record either loads or yields a RecordError with a clear message
(see :func:`trialkg.fuzz.try_record`). Hardening another importer is one entry in
``trialkg.fuzz.IMPORTERS`` plus its seed records in ``SEEDS``.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from tests.conftest import DATA, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialkg.export import export
from trialkg.formats import FORMATS
from trialkg.fuzz import IMPORTERS, MUTATIONS, Importer, mutate, try_record
from trialkg.sources.ctgov_json import read_bytes
from trialkg.store import TrialStore

#: importer -> the real records it is fed (../shared when present, else tests/data).
SEEDS = {
    "ctgov-json": (SHARED / "data" / "ctgov-v2", DATA / "ctgov-v2"),
}


def seed_records(importer: Importer) -> list[bytes]:
    shared, core = SEEDS[importer.name]
    folder = shared if shared.is_dir() else core
    paths = sorted(p for p in folder.rglob("*") if p.suffix in importer.suffixes)
    # The largest records (hundreds of KB of results) make each example slow; the
    # mutations that matter are in the protocol, which every record has.
    return [p.read_bytes() for p in paths if p.stat().st_size < 200_000]


@pytest.mark.parametrize("importer_name", sorted(IMPORTERS))
@pytest.mark.parametrize("kind", sorted(MUTATIONS))
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


def test_unmutated_records_load() -> None:
    for importer in IMPORTERS.values():
        for data in seed_records(importer):
            assert try_record(importer, data)[0] == "loaded"


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
    assert set(SEEDS) == set(IMPORTERS)
    for _shared, core in SEEDS.values():
        assert Path(core).is_dir()
