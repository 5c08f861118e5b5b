"""The ontology declares every term the mapping writes, is documented, and is consistent."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS

from tests.conftest import DATA, load_studies
from trialkg.iris import TKG
from trialkg.mapping.study import CONTROLLED, INTERVENTION_CLASSES, STUDY_TYPE_CLASSES, study_quads
from trialkg.resources import ontology_files, ontology_path, shapes_path
from trialkg.store import ONTOLOGY_GRAPH, TrialStore
from trialkg.validation.reasoning import check_owl, ontology_graph

SKOS_NOTATION = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#notation")
_KINDS = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    RDFS.Datatype,
)


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return ontology_graph()


def declared(graph: rdflib.Graph) -> set[str]:
    return {
        str(s)
        for kind in _KINDS
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, rdflib.URIRef)
    }


def tkg_terms(quads: Iterable[ox.Quad]) -> set[str]:
    """Every tkg: IRI used as a predicate, a class or an object individual."""
    found = set()
    for q in quads:
        for term in (q.predicate, q.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(TKG):
                found.add(term.value)
    return found


def assert_all_declared(used: set[str], graph: rdflib.Graph) -> None:
    missing = sorted(used - declared(graph))
    assert not missing, "terms the mapping writes but the ontology does not declare:\n  " + (
        "\n  ".join(missing)
    )


def test_ontology_files_are_the_modules_without_shapes() -> None:
    files = ontology_files()
    assert ontology_path() in files
    assert shapes_path() not in files
    assert files == sorted(files)


def onto_files_imports() -> list[object]:
    from trialkg.resources import ontology_files

    g = rdflib.Graph()
    for path in ontology_files():
        g.parse(path, format="turtle")
    return list(g.subject_objects(rdflib.OWL.imports))


def test_store_loads_every_module(onto: rdflib.Graph) -> None:
    store = TrialStore.memory()
    n = store.load_ontology()
    # every triple of every module (the merged `onto` drops the modules' mutual owl:imports)
    assert n == len(onto) + len(list(onto_files_imports()))
    g = ox.NamedNode(ONTOLOGY_GRAPH)
    header = ox.NamedNode(TKG.rstrip("#"))
    assert any(store.store.quads_for_pattern(header, None, None, g))
    assert store.load_ontology() == n  # reloading replaces, never duplicates
    assert len(store) == n


def test_core_records_use_only_declared_terms(onto: rdflib.Graph) -> None:
    studies = load_studies(DATA / "ctgov-v2")
    used = tkg_terms(q for s in studies for q in study_quads(s))
    assert TKG + "phase_PHASE1" in used and TKG + "ObservationalStudy" in used
    assert_all_declared(used, onto)


@pytest.mark.shared
def test_real_records_use_only_declared_terms(onto: rdflib.Graph, ctgov_v2_dir: Path) -> None:
    studies = load_studies(ctgov_v2_dir)
    used = tkg_terms(q for s in studies for q in study_quads(s))
    assert len(used) > 100
    assert_all_declared(used, onto)


def test_every_class_the_mapping_knows_is_declared(onto: rdflib.Graph) -> None:
    names = {
        *INTERVENTION_CLASSES.values(),
        *STUDY_TYPE_CLASSES.values(),
        *(cls for _p, _x, cls in CONTROLLED.values()),
    }
    assert_all_declared({TKG + n for n in names}, onto)


API_V2_ENUMS = {
    "Phase": ("phase", "EARLY_PHASE1 PHASE1 PHASE2 PHASE3 PHASE4 NA"),
    "OverallStatus": (
        "status",
        "ACTIVE_NOT_RECRUITING COMPLETED ENROLLING_BY_INVITATION "
        "NOT_YET_RECRUITING RECRUITING SUSPENDED TERMINATED WITHDRAWN AVAILABLE "
        "NO_LONGER_AVAILABLE TEMPORARILY_NOT_AVAILABLE APPROVED_FOR_MARKETING "
        "WITHHELD UNKNOWN",
    ),
    "StudyType": ("studyType", "INTERVENTIONAL OBSERVATIONAL EXPANDED_ACCESS"),
    "Allocation": ("allocation", "RANDOMIZED NON_RANDOMIZED NA"),
    "InterventionModel": (
        "interventionModel",
        "SINGLE_GROUP PARALLEL CROSSOVER FACTORIAL SEQUENTIAL",
    ),
    "Masking": ("masking", "NONE SINGLE DOUBLE TRIPLE QUADRUPLE"),
    "PrimaryPurpose": (
        "purpose",
        "TREATMENT PREVENTION DIAGNOSTIC ECT SUPPORTIVE_CARE "
        "SCREENING HEALTH_SERVICES_RESEARCH BASIC_SCIENCE DEVICE_FEASIBILITY "
        "OTHER",
    ),
    "Actuality": ("actuality", "ACTUAL ESTIMATED"),
}


@pytest.mark.parametrize("cls", sorted(API_V2_ENUMS))
def test_enumeration_is_closed_over_the_api_codes(onto: rdflib.Graph, cls: str) -> None:
    prefix, codes = API_V2_ENUMS[cls]
    expected = {rdflib.URIRef(f"{TKG}{prefix}_{c}") for c in codes.split()}
    node = rdflib.URIRef(TKG + cls)
    assert set(onto.subjects(RDF.type, node)) == expected
    for ind in expected:
        assert str(onto.value(ind, SKOS_NOTATION)) == str(ind).split("_", 1)[1]
        assert onto.value(ind, RDFS.label) is not None
    one_of = [
        list(rdflib.collection.Collection(onto, lst))
        for eq in onto.objects(node, OWL.equivalentClass)
        for lst in onto.objects(eq, OWL.oneOf)
    ]
    assert [set(m) for m in one_of] == [expected]
    distinct = [
        set(rdflib.collection.Collection(onto, lst))
        for ad in onto.subjects(RDF.type, OWL.AllDifferent)
        for lst in onto.objects(ad, OWL.distinctMembers)
    ]
    assert expected in distinct


def test_every_term_is_documented(onto: rdflib.Graph) -> None:
    problems = []
    for kind in (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDFS.Datatype,
    ):
        for term in onto.subjects(RDF.type, kind):
            if not str(term).startswith(TKG):
                continue
            for needed in (RDFS.label, RDFS.comment):
                if onto.value(term, needed) is None:
                    problems.append(f"{term} has no {needed}")
            if kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
                for needed in (RDFS.domain, RDFS.range):
                    if onto.value(term, needed) is None:
                        problems.append(f"{term} has no {needed}")
    assert not problems, "\n".join(problems)


def test_aligned_to_schema_org(onto: rdflib.Graph) -> None:
    schema = rdflib.Namespace("https://schema.org/")
    tkg = rdflib.Namespace(TKG)
    assert (tkg.InterventionalTrial, RDFS.subClassOf, schema.MedicalTrial) in onto
    assert (tkg.Condition, RDFS.subClassOf, schema.MedicalCondition) in onto
    assert (tkg.DrugIntervention, RDFS.subClassOf, schema.Drug) in onto
    assert (tkg.Organization, RDFS.subClassOf, schema.Organization) in onto


@pytest.mark.slow
def test_hermit_finds_the_ontology_consistent() -> None:
    result = check_owl()
    assert result.consistent, result.message
    assert result.unsatisfiable == []


@pytest.mark.slow
def test_hermit_infers_through_the_modules_and_catches_disjoint_kinds() -> None:
    tkg = TKG
    result = check_owl(
        [
            ("urn:x:trial", tkg + "InterventionalTrial"),
            ("urn:x:trial", tkg + "ObservationalStudy"),
            ("urn:x:ok", tkg + "InterventionalTrial"),
            ("urn:x:ok", tkg + "ClinicalTrial"),
            ("urn:x:iv", tkg + "Intervention"),
            ("urn:x:iv", tkg + "Condition"),
        ]
    )
    assert result.consistent
    flagged = {node for nodes in result.clashes.values() for node in nodes}
    assert flagged == {"urn:x:trial", "urn:x:iv"}
