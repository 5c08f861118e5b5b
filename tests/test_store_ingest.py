"""Store and ingest: named graph per study, re-ingest replaces, nothing half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from tests.conftest import DATA, run_cli
from trialkg.iris import TKG, study_graph_iri, trial_iri
from trialkg.sources import read_paths
from trialkg.store import Batch, IngestReport, Prepared, TrialStore, prepare_record, record_key

SITE = ox.NamedNode(TKG + "site")


def _count(store: TrialStore, s: str, p: ox.NamedNode) -> int:
    return sum(1 for _ in store.store.quads_for_pattern(ox.NamedNode(s), p, None, None))


def test_each_study_is_one_record_with_provenance() -> None:
    store = TrialStore.memory()
    report = store.ingest(read_paths([DATA / "ctgov-v2"]))
    assert (report.loaded, report.failed) == (2, 0)
    assert store.study_ids() == ["NCT99000001", "NCT99000002"]
    # a registry record's triples and provenance are in the default graph (trialkg.store.records)
    g, d = ox.NamedNode(study_graph_iri("NCT99000001")), ox.DefaultGraph()
    version = next(store.store.quads_for_pattern(g, ox.NamedNode(TKG + "recordVersion"), None, d))
    assert version.object.value == "2024-01-15"
    source = next(store.store.quads_for_pattern(g, ox.NamedNode(TKG + "sourceFile"), None, d))
    assert source.object.value.endswith("NCT99000001.json")
    assert not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                   for q in store.store)


def test_a_batch_is_committed_before_a_study_would_take_it_over_its_quads() -> None:
    """A batch stays under its quad cap (the bulk loader's atomic chunk): the study that
    would take it over waits for the next batch, whole."""
    store = TrialStore.memory()
    prepared = []
    for item in read_paths([DATA / "ctgov-v2"]):
        assert not isinstance(item, Exception)
        graph, version = record_key(item)
        outcome = prepare_record(item, graph, version, (None, None))
        assert isinstance(outcome, Prepared)
        prepared.append(outcome)
    first, second = prepared
    report = IngestReport()
    batch = Batch(store, report, 100, max_quads=first.count + 1)
    for p in prepared:
        batch.add(p.graph, p.new, p.quads, p.count, p.mesh_ids)
    # the first study went in alone; the second is pending, not half-written
    assert store.study_ids() == ["NCT99000001"]
    assert (report.loaded, report.triples) == (1, first.count)
    assert second.graph in batch and batch.quads == second.count
    batch.commit()
    assert store.study_ids() == ["NCT99000001", "NCT99000002"]
    assert report.triples == first.count + second.count


def test_reingest_unchanged_is_skipped_and_changed_is_replaced(tmp_path: Path) -> None:
    src = tmp_path / "rec.json"
    rec = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_text())
    src.write_text(json.dumps(rec))
    store = TrialStore.memory()
    store.ingest(read_paths([src]))
    size = len(store)
    again = store.ingest(read_paths([src]))
    assert (again.loaded, again.unchanged) == (0, 1) and len(store) == size
    # same version, different content: replaced (digest), no leftovers
    rec["protocolSection"]["contactsLocationsModule"]["locations"].pop()
    rec["derivedSection"]["miscInfoModule"]["versionHolder"] = "2024-06-01"
    src.write_text(json.dumps(rec))
    changed = store.ingest(read_paths([src]))
    assert (changed.loaded, changed.replaced) == (1, 1)
    assert _count(store, trial_iri("NCT99000001"), SITE) == 1


@pytest.mark.shared
def test_2025_capture_replaces_2023_in_either_order(ctgov_v2_dir: Path) -> None:
    old = ctgov_v2_dir / "NCT04267848.2023-09-11.json"
    new = ctgov_v2_dir / "NCT04267848.2025-09-11.json"
    fresh = TrialStore.memory()
    fresh.ingest(read_paths([new]))
    for order in ([old, new], [new, old]):
        store = TrialStore.memory()
        for path in order:
            store.ingest(read_paths([path]))
        # 1148 sites in the 2025 capture, 2 in the 2023 one: nothing stale, nothing doubled
        assert _count(store, trial_iri("NCT04267848"), SITE) == 1148
        assert len(store) == len(fresh)


@pytest.mark.shared
@pytest.mark.slow
def test_exported_turtle_is_isomorphic_to_the_store(tmp_path: Path, ctgov_v2_dir: Path) -> None:
    store_dir = tmp_path / "store"
    assert run_cli("ingest", "--store", str(store_dir), str(ctgov_v2_dir)).returncode == 0
    out = tmp_path / "all.ttl"
    assert run_cli("export", "--store", str(store_dir), "-o", str(out)).returncode == 0
    exported = Graph().parse(out, format="turtle")
    store = TrialStore.open(store_dir, read_only=True)
    triples = [q.triple for q in store.store.quads_for_pattern(None, None, None, None)]
    held = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                         format="nt")
    assert len(exported) == len(held) > 30_000

    # Studies have no blank nodes, so for them isomorphism is plain set equality (fast);
    # the ontology's OWL axioms have some, compared with rdflib's isomorphism.
    def split(g: Graph) -> tuple[set[object], Graph]:
        plain, blank = set(), Graph()
        for t in g:
            if isinstance(t[0], BNode) or isinstance(t[2], BNode):
                blank.add(t)
            else:
                plain.add(t)
        return plain, blank

    (plain_e, blank_e), (plain_h, blank_h) = split(exported), split(held)
    assert plain_e == plain_h
    assert len(blank_e) == len(blank_h) > 0 and isomorphic(blank_e, blank_h)


def test_cli_ingest_export_stats(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    run = run_cli("ingest", "--store", store, str(DATA / "ctgov-v2"))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""  # messages go to stderr
    assert run.stderr.strip().splitlines()[-1].startswith("2 studies loaded, 0 failed")
    stats = run_cli("stats", "--store", store, "--format", "json")
    facts = json.loads(stats.stdout)
    assert facts["studies"] == 2
    assert facts["classes"]["tkg:Site"] == 4  # two sites in each record
    assert facts["classes"]["tkg:InterventionalTrial"] == 1
    ttl = run_cli("export", "--store", store, "-g", "NCT99000002")
    assert "ctid:NCT99000002" in ttl.stdout and "NCT99000001" not in ttl.stdout


def test_export_is_byte_identical_across_ingests(tmp_path: Path) -> None:
    outs = []
    for n in range(2):
        store = str(tmp_path / f"s{n}")
        env = {"SOURCE_DATE_EPOCH": "1700000000"}
        assert run_cli("ingest", "--store", store, str(DATA / "ctgov-v2"), env=env).returncode == 0
        out = tmp_path / f"out{n}.ttl"
        assert run_cli("export", "--store", store, "-o", str(out)).returncode == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_bad_batch_loads_the_rest_and_fails(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(DATA / "ctgov-v2", batch)
    (batch / "broken.json").write_text('{"protocolSection": {"identificationModule": ')
    (batch / "v1.json").write_text('{"FullStudiesResponse": {"FullStudies": []}}')
    (batch / "notjson.json").write_text("NCT,title\nNCT1,x\n")
    rec = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_text())
    del rec["protocolSection"]["identificationModule"]["nctId"]
    (batch / "nonct.jsonl").write_text(json.dumps(rec) + "\n")
    store = str(tmp_path / "store")
    run = run_cli("ingest", "--store", store, str(batch))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 4
    assert any(str(batch / "broken.json") in e and "malformed JSON" in e for e in errors)
    assert any("nonct.jsonl [line 1]" in e and "no NCT id" in e for e in errors)
    assert run.stderr.strip().splitlines()[-1].startswith("2 studies loaded, 4 failed")
    stats = json.loads(run_cli("stats", "--store", store, "--format", "json").stdout)
    assert stats["studies"] == 2


def test_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    run = run_cli("stats", "--store", str(tmp_path / "nowhere"))
    assert run.returncode == 1
    assert run.stderr.strip() == (f"trialkg: error: no store at {tmp_path / 'nowhere'} "
                                  f"(run `trialkg ingest --store {tmp_path / 'nowhere'} ...`)")


@pytest.mark.shared
def test_large_exports_stream_the_same_triples(ctgov_v2_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from trialkg import export as export_module
    from trialkg.formats import FORMATS

    store = TrialStore.memory()
    store.load_ontology()
    store.ingest(read_paths([ctgov_v2_dir / "download-array-10.json"]))
    outputs = {}
    sorted_limit = export_module.SORT_LIMIT
    for limit in (sorted_limit, 100):  # sorted, then streamed in store order
        monkeypatch.setattr(export_module, "SORT_LIMIT", limit)
        for name in ("turtle", "nquads"):
            buf = io.BytesIO()
            export_module.export(store, FORMATS[name], buf)
            outputs[limit, name] = buf.getvalue()

    def plain(data: bytes, fmt: str) -> set[object]:
        g = Graph().parse(data=data, format=fmt)
        return {t for t in g if not isinstance(t[0], BNode) and not isinstance(t[2], BNode)}

    assert plain(outputs[100, "turtle"], "turtle") == plain(outputs[sorted_limit, "turtle"],
                                                            "turtle")
    streamed = set(ox.parse(outputs[100, "nquads"], format=ox.RdfFormat.N_QUADS))
    assert len(streamed) == len(store)
