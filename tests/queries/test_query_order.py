"""Stored queries sort trials on a key held inline (the NCT id), in the order of their IRIs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from trialkg.iris import MESH, RDFS, TKG, trial_iri
from trialkg.queries import LocalExecutor, QueryLibrary, bound_text
from trialkg.store import TrialStore

TRIALS = ["NCT00000102", "NCT01000001", "EORTC-62027", "ABC 1", "NCT00000101"]


@pytest.fixture(scope="module")
def executor() -> LocalExecutor:
    store = TrialStore.memory()
    graph = ox.NamedNode("https://w3id.org/trialkg/graph/test")
    for n, trial in enumerate(TRIALS):
        t = ox.NamedNode(trial_iri(trial))
        for p, o in [(RDFS + "label", ox.Literal(f"Trial {n}")),
                     (TKG + "conditionMesh", ox.NamedNode(MESH + "D000002")),
                     (TKG + "conditionMesh", ox.NamedNode(MESH + "D000001")),
                     (TKG + "interventionMesh", ox.NamedNode(MESH + "C000001"))]:
            store.store.add(ox.Quad(t, ox.NamedNode(p), o, graph))
    return LocalExecutor(store)


@pytest.mark.parametrize(("name", "params"), [
    ("trials-by-condition", {"condition": "D000001"}),
    ("trials-by-drug", {"drug": "C000001"}),
])
def test_rows_in_iri_order(executor: LocalExecutor, name: str, params: dict[str, str]) -> None:
    rows = executor.query(bound_text(QueryLibrary.default().get(name), params))
    assert isinstance(rows, ox.QuerySolutions)
    trials = [r["trial"].value for r in rows]
    assert trials == sorted(trial_iri(t) for t in TRIALS)
    assert any(not t.startswith("https://identifiers.org/") for t in trials)
