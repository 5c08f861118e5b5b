"""Export: every RDF format round-trips, and Turtle is byte-identical across fresh ingests."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import DATA, run_cli
from trialkg.export import export, export_to_path
from trialkg.formats import FORMATS
from trialkg.sources import read_paths
from trialkg.store import TrialStore
from trialkg.validation.validate import store_graph

NCT = "NCT00763412"
#: The ontology (blank nodes) and four real studies: exports of chosen graphs.
CHOSEN = [
    "https://w3id.org/trialkg/graph/ontology",
    *(
        f"https://w3id.org/trialkg/graph/study/{n}"
        for n in ("NCT00763412", "NCT02552212", "NCT03281889", "NCT04267848")
    ),
]


def rdflib_format(name: str) -> str:
    return {
        "turtle": "turtle",
        "ntriples": "nt",
        "nquads": "nquads",
        "trig": "trig",
        "jsonld": "json-ld",
        "rdfxml": "xml",
    }[name]


def same_graph(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Graph isomorphism, fast: ground triples as sets, blank-node triples by isomorphism.

    An isomorphism only renames blank nodes, so this is the same test as
    ``isomorphic(a, b)`` on the whole graphs, without canonicalising 50,000 ground triples.
    """

    def split(g: rdflib.Graph) -> tuple[set[tuple[object, ...]], rdflib.Graph]:
        ground, blank = set(), rdflib.Graph()
        for t in g:
            if any(isinstance(x, rdflib.BNode) for x in t):
                blank.add(t)
            else:
                ground.add(t)
        return ground, blank

    (ground_a, blank_a), (ground_b, blank_b) = split(a), split(b)
    return ground_a == ground_b and isomorphic(blank_a, blank_b)


def per_graph(dataset: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    out: dict[str, rdflib.Graph] = {}
    for ctx in dataset.graphs():
        if len(ctx):
            g = rdflib.Graph()
            for t in ctx:
                g.add(t)
            out[str(ctx.identifier)] = g
    return out


@pytest.fixture(scope="module")
def real_store(ctgov_v2_dir: Path) -> TrialStore:
    store = TrialStore.memory()
    store.load_ontology()
    assert store.ingest(read_paths([ctgov_v2_dir])).failed == 0
    return store


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_round_trips(real_store: TrialStore, name: str) -> None:
    fmt = FORMATS[name]
    out = io.BytesIO()
    export(real_store, fmt, out, CHOSEN)
    data = out.getvalue()
    if fmt.has_graphs:
        parsed = rdflib.Dataset()
        parsed.parse(data=data, format=rdflib_format(name))
        graphs = per_graph(parsed)
        assert sorted(graphs) == CHOSEN
        for g, content in graphs.items():
            assert same_graph(content, store_graph(real_store, [g])), g
    else:
        parsed_graph = rdflib.Graph().parse(data=data, format=rdflib_format(name))
        assert same_graph(parsed_graph, store_graph(real_store, CHOSEN))
        # the record's sponsor, as the registry gives it, is in every format
        sponsor = parsed_graph.value(
            rdflib.URIRef(f"https://identifiers.org/clinicaltrials:{NCT}"),
            rdflib.URIRef("https://w3id.org/trialkg/vocab#leadSponsor"),
        )
        assert sponsor is not None


@pytest.mark.shared
@pytest.mark.parametrize("name", ["turtle", "nquads"])
def test_chosen_graphs_only(real_store: TrialStore, name: str, tmp_path: Path) -> None:
    graph = f"https://w3id.org/trialkg/graph/study/{NCT}"
    path = tmp_path / f"one.{FORMATS[name].extension}"
    export_to_path(real_store, FORMATS[name], path, [graph])
    parsed = list(ox.parse(path=str(path), format=FORMATS[name].rdf_format))
    expected = list(real_store.quads([graph]))
    assert len(parsed) == len(expected) > 100
    assert not list(tmp_path.glob(".*.part"))  # the temporary file was renamed


def test_turtle_binds_prefixes_and_is_sorted(tmp_path: Path) -> None:
    store = TrialStore.memory()
    store.load_ontology()
    store.ingest(read_paths([DATA / "ctgov-v2"]))
    out = io.BytesIO()
    export(store, FORMATS["turtle"], out)
    text = out.getvalue().decode("utf-8")
    prefixes = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "@prefix tkg: <https://w3id.org/trialkg/vocab#> ." in prefixes
    assert "ctid:NCT99000001 a tkg:ClinicalTrial , tkg:InterventionalTrial ;" in text


def test_same_graph_notices_a_difference() -> None:
    a = rdflib.Graph().parse(data="<urn:a> <urn:p> [ <urn:q> 1 ] .", format="turtle")
    b = rdflib.Graph().parse(data="<urn:a> <urn:p> [ <urn:q> 2 ] .", format="turtle")
    c = rdflib.Graph().parse(data="<urn:a> <urn:p> [ <urn:q> 1 ] .", format="turtle")
    assert same_graph(a, c) and not same_graph(a, b)


def ingest_and_export(tmp: Path, files: list[Path]) -> bytes:
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    store = tmp / "store"
    done = run_cli("ingest", "--store", str(store), *map(str, files), env=env)
    assert done.returncode == 0, done.stderr
    out = tmp / "all.ttl"
    done = run_cli("export", "--store", str(store), "-o", str(out), env=env)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.slow
def test_turtle_is_byte_identical_across_fresh_ingests(tmp_path: Path) -> None:
    files = [DATA / "ctgov-v2"]
    try:
        from tests.conftest import shared_path

        files.append(shared_path("data", "ctgov-v2"))
    except pytest.skip.Exception:
        pass
    first = ingest_and_export(tmp_path / "a", files)
    second = ingest_and_export(tmp_path / "b", files)
    assert first == second
    assert b'"2023-11-14T22:13:20Z"^^xsd:dateTime' in first  # SOURCE_DATE_EPOCH is honoured
    assert b"owl:unionOf" in first  # the ontology, blank nodes included
