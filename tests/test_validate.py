"""`trialkg validate`: SHACL shapes and the OWL check, on good and hand-broken graphs."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import DATA, run_cli
from trialkg.iris import RDFS, TKG, mesh_iri
from trialkg.sources import read_paths
from trialkg.store import MESH_GRAPH, TrialStore
from trialkg.validation.validate import Finding, render_report, validate_store

TRIAL = "https://identifiers.org/clinicaltrials:NCT99000001"
GRAPH = "https://w3id.org/trialkg/graph/study/NCT99000001"
PREFIXES = f"PREFIX tkg: <{TKG}>\nPREFIX ct: <https://identifiers.org/clinicaltrials:>\n"


def mesh_labels(store: TrialStore, names: dict[str, str]) -> None:
    """A MeSH graph labelling each MeSH IRI the studies use (names: UI -> label)."""
    rows = store.store.query(
        "SELECT DISTINCT ?m WHERE { ?s ?p ?m "
        "FILTER(?p IN (tkg:conditionMesh, tkg:interventionMesh, tkg:mesh)) }",
        prefixes={"tkg": TKG}, use_default_graph_as_union=True,
    )
    assert isinstance(rows, ox.QuerySolutions)
    g = ox.NamedNode(MESH_GRAPH)
    quads = []
    for row in rows:
        iri = row[0]
        assert isinstance(iri, ox.NamedNode)
        label = names[iri.value.rsplit("/", 1)[1]]
        quads.append(ox.Quad(iri, ox.NamedNode(RDFS + "label"), ox.Literal(label), g))
    store.replace_graph(MESH_GRAPH, quads)


def core_store() -> TrialStore:
    """The two records of tests/data, with a MeSH graph naming their MeSH terms."""
    store = TrialStore.memory()
    store.load_ontology()
    report = store.ingest(read_paths([DATA / "ctgov-v2"]))
    assert report.failed == 0, report.errors
    mesh_labels(
        store,
        {
            "D018222": "Fibromatosis, Aggressive",
            "D000068877": "Imatinib Mesylate",
            "D018223": "Dermatofibrosarcoma",
        },
    )
    return store


def violations(store: TrialStore) -> list[Finding]:
    return [f for f in validate_store(store, owl=False).findings if f.severity == "Violation"]


def test_core_records_conform() -> None:
    report = validate_store(core_store(), owl=False)
    assert report.findings == []
    assert report.conforms
    assert render_report(report).startswith("conforms: 0 violations, 0 warnings")


def test_without_a_mesh_graph_links_are_not_checked_and_it_says_so() -> None:
    store = core_store()
    store.store.remove_graph(ox.NamedNode(MESH_GRAPH))
    report = validate_store(store, owl=False)
    assert report.conforms
    assert [(f.severity, f.focus) for f in report.findings] == [("Warning", MESH_GRAPH)]


BROKEN = {
    "missing status": (
        "DELETE WHERE { ct:NCT99000001 tkg:overallStatus ?s }",
        TRIAL,
        "overall status",
    ),
    "two studies types": (
        "INSERT DATA { ct:NCT99000001 tkg:studyType tkg:studyType_OBSERVATIONAL }",
        TRIAL,
        "exactly one study type",
    ),
    "negative enrollment": (
        "DELETE { ct:NCT99000001 tkg:enrollment ?n } "
        "INSERT { ct:NCT99000001 tkg:enrollment -5 } "
        "WHERE { ct:NCT99000001 tkg:enrollment ?n }",
        TRIAL,
        "non-negative",
    ),
    "bad NCT id": (
        "DELETE { ct:NCT99000001 tkg:nctId ?n } "
        'INSERT { ct:NCT99000001 tkg:nctId "NCT9900001" } '
        "WHERE { ct:NCT99000001 tkg:nctId ?n }",
        TRIAL,
        "NCT followed by eight digits",
    ),
    "date of the wrong type": (
        'INSERT DATA { ct:NCT99000001 tkg:startDate "March 2010" }',
        TRIAL,
        "not a well-formed xsd:date",
    ),
    "no condition": (
        "DELETE WHERE { ct:NCT99000001 tkg:condition ?c }",
        TRIAL,
        "names no condition",
    ),
    "no title": (
        "DELETE WHERE { ct:NCT99000001 rdfs:label ?l } ; "
        "DELETE WHERE { ct:NCT99000001 tkg:briefTitle ?t }",
        TRIAL,
        "no title",
    ),
    "undeclared MeSH id": (
        "INSERT DATA { ct:NCT99000001 tkg:conditionMesh <http://id.nlm.nih.gov/mesh/D999999> }",
        "http://id.nlm.nih.gov/mesh/D999999",
        "not a descriptor in the MeSH graph",
    ),
    "percentage 120": (
        "INSERT DATA { GRAPH <urn:results> { <urn:m1> a tkg:Measurement ; tkg:percentage 120.0 } }",
        "urn:m1",
        "percentage is outside 0-100",
    ),
    "count above its denominator": (
        "INSERT DATA { GRAPH <urn:results> { <urn:m2> a tkg:Measurement ; "
        "tkg:count 31 ; tkg:denominator 30 ; tkg:percentage 100 } }",
        "urn:m2",
        "count 31 is larger than its denominator 30",
    ),
    "evidence without a source": (
        "INSERT DATA { GRAPH <urn:evidence> { <urn:review> a tkg:Evidence } }",
        "urn:review",
        "no source",
    ),
    "curated record without a source": (
        f"DELETE WHERE {{ <{GRAPH}> tkg:sourceFormat ?f }} ; "
        f'INSERT DATA {{ <{GRAPH}> tkg:sourceFormat "curated" }}',
        GRAPH,
        "curated record has no source",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_graph_names_its_focus_node(case: str) -> None:
    update, focus, message = BROKEN[case]
    store = core_store()
    store.store.update(PREFIXES + f"PREFIX rdfs: <{RDFS}>\n" + update)
    found = violations(store)
    assert [f for f in found if f.focus == focus and message in f.message], found
    assert {f.focus for f in found} == {focus}  # nothing else is reported


@pytest.mark.slow
def test_owl_check_finds_an_individual_in_disjoint_classes() -> None:
    store = core_store()
    store.store.update(
        PREFIXES + "INSERT DATA { ct:NCT99000001 a tkg:ObservationalStudy ."
        " <https://w3id.org/trialkg/id/NCT99000001/arm/1> a tkg:Outcome }"
    )
    report = validate_store(store, owl=True)
    owl = sorted((f.focus, f.message) for f in report.findings if f.check == "owl")
    assert [focus for focus, _ in owl] == [
        "https://identifiers.org/clinicaltrials:NCT99000001",
        "https://w3id.org/trialkg/id/NCT99000001/arm/1",
    ]
    assert "InterventionalTrial" in owl[0][1] and "ObservationalStudy" in owl[0][1]
    assert not report.conforms


def read_mesh_names(mesh_dir: Path, uis: set[str]) -> dict[str, str]:
    """Preferred names of the given MeSH UIs from NLM's 2025 tables."""
    names: dict[str, str] = {}
    with (mesh_dir / "mesh2025-descriptors.tsv").open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row and mesh_iri(row[0]).rsplit("/", 1)[1] in uis:
                names[mesh_iri(row[0]).rsplit("/", 1)[1]] = row[1]
    with gzip.open(mesh_dir / "mesh2025-supplementary.tsv.gz", "rt", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row and mesh_iri(row[0]).rsplit("/", 1)[1] in uis:
                names[mesh_iri(row[0]).rsplit("/", 1)[1]] = row[1]
    return names


@pytest.mark.shared
@pytest.mark.slow
def test_real_records_conform_but_for_one_defect_of_the_source(ctgov_v2_dir: Path) -> None:
    from trialkg.store.mesh_graph import refresh_mesh_graph

    store = TrialStore.memory()
    store.load_ontology()
    assert store.ingest(read_paths([ctgov_v2_dir])).failed == 0
    assert refresh_mesh_graph(store)  # every MeSH id the records use, from NLM's 2025 tables
    report = validate_store(store, owl=True)
    # NCT00763412's baseline "Region of Enrollment" counts 8, 8 and 16 participants in the
    # United States for groups of 4, 4 and 8 analysed (resultsSection, baseline measure 4):
    # a defect of the record itself, which the denominator rule rightly reports.
    base = "https://w3id.org/trialkg/id/NCT00763412/result/baseline/measure/4/measurement/"
    assert [(f.severity, f.focus) for f in report.findings] == [
        ("Violation", base + "1"), ("Violation", base + "2"), ("Violation", base + "3")
    ], render_report(report)


@pytest.mark.slow
def test_cli_reports_json_and_fails_on_violations(tmp_path: Path) -> None:
    record = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_text(encoding="utf-8"))
    record["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -3
    del record["protocolSection"]["statusModule"]["overallStatus"]
    broken = tmp_path / "NCT99000001.json"
    broken.write_text(json.dumps(record), encoding="utf-8")
    store = tmp_path / "store"
    assert run_cli("ingest", "--store", str(store), str(broken)).returncode == 0

    done = run_cli("validate", "--store", str(store), "--format", "json", "--no-owl")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["conforms"] is False
    assert report["counts"]["Violation"] == 2
    messages = {(f["focus"], f["path"]) for f in report["findings"] if f["severity"] == "Violation"}
    assert messages == {(TRIAL, TKG + "enrollment"), (TRIAL, TKG + "overallStatus")}

    table = run_cli("validate", "--store", str(store), "--no-owl")
    assert table.returncode == 1
    # ingest built the MeSH graph, so the MeSH check runs (no "no MeSH graph" warning)
    assert table.stdout.startswith("does not conform: 2 violations, 0 warnings, 0 infos")
    assert "Violation (2)" in table.stdout
    assert TRIAL in table.stdout


def test_cli_good_store_exits_zero(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("ingest", "--store", str(store), str(DATA / "ctgov-v2")).returncode == 0
    done = run_cli("validate", "--store", str(store), "--no-owl")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("conforms: 0 violations, 0 warnings")


def test_cli_missing_store_is_one_line(tmp_path: Path) -> None:
    done = run_cli("validate", "--store", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "no store at" in done.stderr


def test_the_sparql_engine_finds_what_pyshacl_finds() -> None:
    """The SHACL shapes compiled to SPARQL (the default engine) against pyshacl (the
    reference), on one store broken in every way of BROKEN at once."""
    store = core_store()
    for update, _focus, _message in BROKEN.values():
        store.store.update(PREFIXES + f"PREFIX rdfs: <{RDFS}>\n" + update)
    by = {engine: {(f.severity, f.focus, f.message, f.path, f.value)
                   for f in validate_store(store, owl=False, engine=engine).findings}
          for engine in ("sparql", "pyshacl")}
    assert len(by["sparql"]) >= len(BROKEN)
    assert by["sparql"] == by["pyshacl"]


def test_a_shape_the_engine_cannot_compile_is_refused() -> None:
    import rdflib

    from trialkg.validation.sparql_shapes import UnsupportedShape, compile_shapes

    shapes = rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:property [ sh:path ex:p ; sh:minLength 3 ] .""")
    with pytest.raises(UnsupportedShape, match="minLength"):
        compile_shapes(shapes)


def test_cli_shows_progress_on_stderr(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = run_cli("validate", "--no-owl", env=env)
    assert done.returncode == 0
    assert done.stderr.splitlines()[0] == (
        "checking the bundled graph against the SHACL shapes (sparql) ...")
    assert done.stdout.startswith("conforms: 0 violations")
