"""Study records in the default graph (issue #20): found, replaced and removed as one record.

The store keeps a registry record's triples in its default graph (three indexes instead of
six) and finds them again from the record's node and trial (trialkg.store.records). These
tests check that this gives exactly what the mapping wrote, for every record in ../shared
and for small records written here.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import REPO, shared_path
from trialkg.exceptions import StoreError
from trialkg.iris import GRAPH, ID, TKG, study_graph_iri, trial_iri
from trialkg.mapping.study import study_quads
from trialkg.model import Study
from trialkg.sources import read_paths
from trialkg.store import TrialStore
from trialkg.store.records import default_records, record_quads

DEFAULT = ox.DefaultGraph()


def default_quads(store: TrialStore) -> set[ox.Quad]:
    return set(store.store.quads_for_pattern(None, None, None, DEFAULT))


def owned(store: TrialStore, graph: str) -> list[ox.Quad]:
    return list(record_quads(store.store, graph, named=False))


def test_every_shared_record_owns_exactly_what_its_mapping_wrote() -> None:
    folders = [shared_path("data", "ctgov-v2"), shared_path("data", "ctgov-xml"),
               REPO / "curated"]
    items = list(read_paths(folders))
    store = TrialStore.memory()
    store.ingest(items)
    records = default_records(store.store)
    # the seed trials, the 2025 capture of NCT04267848 (the newer of two), EORTC 62027 ...
    assert study_graph_iri("NCT00122473") in records
    assert study_graph_iri("EORTC-62027") in records
    assert len(records) > 60
    # the records partition the default graph: each quad belongs to exactly one record
    counts: Counter[ox.Quad] = Counter(q for g in records for q in owned(store, g))
    assert set(counts) == default_quads(store)
    assert max(counts.values()) == 1
    # and each record's quads are what the mapping wrote for it, for every record stored
    checked = 0
    for item in items:
        if not isinstance(item, Study) or item.graph:
            continue
        graph = study_graph_iri(item.trial_id)
        if graph not in records or _provenance(store, graph, "sourceFile") != item.source \
                or _provenance(store, graph, "recordVersion") != (item.version or ""):
            continue  # a record given twice (XML and JSON, two captures): not the one kept
        mapped = ox.Store()  # Oxigraph keeps literals of numeric types in canonical form
        mapped.extend(q for q in study_quads(item) if q.graph_name == DEFAULT)
        # the provenance (ingest time, source file: a record in two files) aside
        record = ox.NamedNode(graph)
        assert ({q for q in owned(store, graph) if q.subject != record}
                == {q for q in mapped if q.subject != record}), graph
        checked += 1
    assert checked > 60
    # no study graph is left as a named graph: the layout of the store
    assert not [g for g in store.store.named_graphs() if "/graph/study/" in g.value]


def _provenance(store: TrialStore, graph: str, local: str) -> str:
    return next((str(q.object.value) for q in store.store.quads_for_pattern(
        ox.NamedNode(graph), ox.NamedNode(TKG + local), None, DEFAULT)), "")


def _study(tid: str, title: str, version: str, conditions: list[str]) -> Study:
    return Study(trial_id=tid, brief_title=title, version=version, conditions=conditions)


def test_replace_and_remove_touch_only_the_record() -> None:
    store = TrialStore.memory()
    a = _study("NCT99000101", "first version", "2024-01-01", ["Desmoid Tumor", "Fibromatosis"])
    b = _study("NCT99000102", "a neighbour", "2024-01-01", ["Desmoid Tumor"])
    store.ingest([a, b])
    neighbour = set(owned(store, study_graph_iri("NCT99000102")))
    before = len(default_quads(store))

    # a newer version with one condition fewer: the old title and condition link go
    store.ingest([_study("NCT99000101", "second version", "2025-01-01", ["Desmoid Tumor"])])
    titles = {str(q.object.value) for q in store.store.quads_for_pattern(
        ox.NamedNode(trial_iri("NCT99000101")), None, None, DEFAULT)
        if q.predicate.value.endswith("briefTitle")}
    assert titles == {"second version"}
    assert len(default_quads(store)) < before
    assert set(owned(store, study_graph_iri("NCT99000102"))) == neighbour
    assert default_quads(store) == neighbour | set(owned(store, study_graph_iri("NCT99000101")))

    # removing it leaves exactly the neighbour, and the shared condition entity stays
    assert store.remove_studies(["NCT99000101", "NCT99000109"]) == ["NCT99000101"]
    assert default_quads(store) == neighbour
    assert not any(q.subject.value.startswith(ID + "NCT99000101/")
                   for q in store.store.quads_for_pattern(None, None, None, None)
                   if isinstance(q.subject, ox.NamedNode))
    assert store.study_ids() == ["NCT99000102"]


def test_graphs_and_exports_show_a_study_record_as_its_own_graph() -> None:
    store = TrialStore.memory()
    store.ingest([_study("NCT99000103", "shown as a graph", "2024-02-02", ["Asthma"])])
    graph = study_graph_iri("NCT99000103")
    assert graph in store.named_graphs() and store.has_graph(graph)
    (info,) = store.graph_infos([graph])
    assert (info.kind, info.version, info.triples) == ("study", "2024-02-02",
                                                       len(owned(store, graph)))
    assert {q.graph_name for q in store.quads([graph])} == {ox.NamedNode(graph)}


def _old_layout_store(path: Path) -> None:
    """A store as trialkg wrote it before the default-graph layout: a named graph per study."""
    store = TrialStore.open(path)
    store.load_ontology()
    study = _study("NCT99000104", "from an earlier trialkg", "2023-03-03", ["Gout"])
    g = ox.NamedNode(study_graph_iri("NCT99000104"))
    store.store.extend([ox.Quad(q.subject, q.predicate, q.object,
                                g if q.graph_name == DEFAULT else q.graph_name)
                        for q in study_quads(study)])
    store.close()


def test_a_store_of_the_old_layout_is_upgraded_by_the_next_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "store"
    _old_layout_store(where)
    with pytest.raises(StoreError, match="layout of an earlier trialkg"):
        TrialStore.open(where, read_only=True)
    cli = subprocess.run([sys.executable, "-m", "trialkg", "stats", "--store", str(where)],
                         capture_output=True, text=True)
    assert cli.returncode != 0 and "Traceback" not in cli.stderr
    assert "layout of an earlier trialkg" in cli.stderr and len(cli.stderr.splitlines()) == 1
    with TrialStore.open(where) as store:  # a writer moves the study into the default graph
        assert "upgrading the store" in capsys.readouterr().err
        assert store.study_ids() == ["NCT99000104"]
        assert not store.store.contains_named_graph(ox.NamedNode(GRAPH + "study/NCT99000104"))
    reader = TrialStore.open(where, read_only=True)
    (row,) = reader.store.query(
        "SELECT ?t WHERE { ?s <https://w3id.org/trialkg/vocab#briefTitle> ?t }")
    assert row[0].value == "from an earlier trialkg"
