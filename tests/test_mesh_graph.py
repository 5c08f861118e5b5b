"""The MeSH named graph: NLM predicates, the tkg:rollsUpTo closure, determinism."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from trialkg.iris import MESH, MESHV, OWL, TKG, graph_iri
from trialkg.mesh import BUNDLED_DIR, MeshVocabulary, load_vocabulary
from trialkg.mesh.graph import ROLLS_UP_TO, mesh_graph_quads

DFSP = MESH + "D018223"  # Dermatofibrosarcoma


@pytest.fixture(scope="module")
def vocab() -> MeshVocabulary:
    return load_vocabulary(BUNDLED_DIR)


@pytest.fixture(scope="module")
def quads(vocab: MeshVocabulary) -> list[ox.Quad]:
    return list(mesh_graph_quads(["D000018223", "D018222"], vocab))


def test_all_in_mesh_graph_no_blank_nodes(quads: list[ox.Quad]) -> None:
    assert {q.graph_name for q in quads} == {ox.NamedNode(graph_iri("mesh"))}
    for q in quads:
        assert not isinstance(q.subject, ox.BlankNode)
        assert not isinstance(q.object, ox.BlankNode)


def test_deterministic(quads: list[ox.Quad], vocab: MeshVocabulary) -> None:
    again = list(mesh_graph_quads(["D018222", "D018223", "D018223"], vocab))
    assert again == quads
    assert quads == sorted(quads, key=str)


def test_nlm_predicates(quads: list[ox.Quad]) -> None:
    def objects(s: str, p: str) -> set[str]:
        return {q.object.value for q in quads if q.subject.value == s and q.predicate.value == p}

    assert objects(DFSP, "http://www.w3.org/2000/01/rdf-schema#label") == {"Dermatofibrosarcoma"}
    assert objects(DFSP, MESHV + "identifier") == {"D018223"}
    assert objects(DFSP, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == {
        MESHV + "TopicalDescriptor"
    }
    assert objects(DFSP, MESHV + "treeNumber") == {
        MESH + "C04.557.450.565.590.350.320",
        MESH + "C04.557.450.795.350.320",
    }
    assert objects(DFSP, MESHV + "broaderDescriptor") == {MESH + "D005354"}  # Fibrosarcoma
    assert objects(MESH + "C04.557.450.795.350.320", MESHV + "parentTreeNumber") == {
        MESH + "C04.557.450.795.350"
    }
    assert objects(graph_iri("mesh"), OWL + "versionInfo") == {"2025"}


def test_rolls_up_to_is_reflexive_transitive_closure(
    quads: list[ox.Quad], vocab: MeshVocabulary
) -> None:
    rolls = {(q.subject.value, q.object.value) for q in quads if q.predicate == ROLLS_UP_TO}
    for ui in ("D018223", "D018222"):
        expected = {MESH + a for a in vocab.ancestors(ui)} | {MESH + ui}
        assert {o for s, o in rolls if s == MESH + ui} == expected
    assert (DFSP, MESH + "D009369") in rolls  # Neoplasms
    assert (DFSP, MESH + "D009372") in rolls  # Neoplasms, Connective Tissue
    # every described descriptor rolls up to itself, and ancestors are described too
    described = {s for s, _ in rolls}
    assert all((s, s) in rolls for s in described)
    assert {o for _, o in rolls} <= described


def test_descendant_query_through_rolls_up_to(quads: list[ox.Quad]) -> None:
    store = ox.Store()
    store.extend(quads)
    trial = ox.NamedNode("https://identifiers.org/clinicaltrials:NCT00122473")
    store.add(ox.Quad(trial, ox.NamedNode(TKG + "conditionMesh"), ox.NamedNode(DFSP)))
    query = (
        "PREFIX tkg: <https://w3id.org/trialkg/vocab#> PREFIX mesh: <http://id.nlm.nih.gov/mesh/>"
        " SELECT DISTINCT ?trial WHERE { ?trial tkg:conditionMesh ?m ."
        " GRAPH ?g { ?m tkg:rollsUpTo mesh:D009369 } }"
    )
    rows = list(store.query(query))  # type: ignore[union-attr]
    assert [r["trial"] for r in rows] == [trial]


def test_supplementary_record_brings_its_descriptors(vocab: MeshVocabulary) -> None:
    quads = list(mesh_graph_quads(["C000002"], vocab))  # bevonium → Benzilates
    subjects = {q.subject.value for q in quads}
    assert MESH + "C000002" in subjects and MESH + "D001561" in subjects
    types = {q.object.value for q in quads if q.subject.value == MESH + "C000002"
             and q.predicate.value.endswith("#type")}
    assert types == {MESHV + "SupplementaryConceptRecord"}


def test_supplementary_record_rolls_up_through_its_mapped_descriptors(
    vocab: MeshVocabulary,
) -> None:
    """NLM maps repaglinide (C072379) to Carbamates (D002219) and Piperidines (D010880): it rolls
    up to itself, to both and to all their ancestors, so a trial linked to it is found under
    Piperidines or Heterocyclic Compounds, 1-Ring (D006573)."""
    quads = list(mesh_graph_quads(["C000072379"], vocab))
    repaglinide = MESH + "C072379"
    rolls = {q.object.value for q in quads
             if q.subject.value == repaglinide and q.predicate == ROLLS_UP_TO}
    mapped = {"D002219", "D010880"}
    expected = {repaglinide} | {MESH + ui for ui in mapped}
    for ui in mapped:
        expected |= {MESH + a for a in vocab.ancestors(ui)}
    assert rolls == expected
    assert {MESH + "D010880", MESH + "D006573", MESH + "D002219"} <= rolls
    assert MESH + "D006574" not in rolls  # Heterocyclic Compounds, 2-Ring: not an ancestor
    # and it keeps its own label: rows list the record by name
    labels = {q.object.value for q in quads if q.subject.value == repaglinide
              and q.predicate.value.endswith("#label")}
    assert labels == {"repaglinide"}
    # every node it rolls up to is described (rolls up to itself) in the same graph
    described = {q.subject.value for q in quads if q.predicate == ROLLS_UP_TO}
    assert rolls <= described


def test_layout_is_part_of_the_graph_digest() -> None:
    """A store's MeSH graph built by an earlier trialkg (digest of the UIs only) is rebuilt."""
    import hashlib

    from trialkg.mesh.graph import mesh_graph_digest

    uis = ["C072379", "D018223"]
    before = hashlib.sha256(" ".join(uis).encode()).hexdigest()[:32]
    assert mesh_graph_digest(uis) != before
    assert mesh_graph_digest(uis) == mesh_graph_digest(list(reversed(uis)))


def test_unknown_descriptor_only_rolls_up_to_itself(vocab: MeshVocabulary) -> None:
    quads = list(mesh_graph_quads(["D018290"], vocab))  # in MeSH 2015, not in 2025
    node = ox.NamedNode(MESH + "D018290")
    about = [q for q in quads if q.subject == node]
    assert [(q.predicate, q.object) for q in about] == [(ROLLS_UP_TO, node)]


def test_graph_from_looked_up_rows_equals_graph_from_whole_table(
    vocab: MeshVocabulary, tmp_path: Path
) -> None:
    """The MeSH graph reads only the supplementary rows it needs; same quads as from the
    whole table."""
    shutil.copytree(BUNDLED_DIR, tmp_path / "mesh")
    fresh = load_vocabulary(tmp_path / "mesh")
    uis = ["C000002", "C584971", "C999999", "D018223"]
    assert vocab.supplementary("C000002") is not None  # the fixture's table: loaded whole
    assert list(mesh_graph_quads(uis, fresh)) == list(mesh_graph_quads(uis, vocab))
