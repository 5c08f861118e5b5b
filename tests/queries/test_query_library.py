"""Every stored query: a valid header, parses, binds its example and runs on the real records."""

from __future__ import annotations

import shlex
from pathlib import Path

import pyoxigraph as ox
import pytest

from trialkg.exceptions import ParameterError, UnknownQueryError
from trialkg.queries import LocalExecutor, QueryLibrary, bound_text, load_query, run_stored
from trialkg.queries.params import PARAM_TYPES
from trialkg.queries.run import searcher_for
from trialkg.resources import queries_dir
from trialkg.store import TrialStore

QUERY_FILES = [pytest.param(p, id=p.stem) for p in sorted(queries_dir().glob("*.rq"))]


def example_params(example: str) -> dict[str, str]:
    argv = shlex.split(example)
    return dict(v.split("=", 1) for k, v in zip(argv[4::2], argv[5::2], strict=True) if k == "-p")


def test_library_has_the_queries_a_trialist_asks() -> None:
    names = set(QueryLibrary.default().names())
    assert len(names) >= 15
    assert {"trials-by-condition", "trials-by-drug", "trials-by-sponsor", "phase-status-counts",
            "trial-card", "similar-trials", "trials-lacking-mesh"} <= names


@pytest.mark.parametrize("path", QUERY_FILES)
def test_header_is_valid(path: Path) -> None:
    q = load_query(path)
    assert q.problems() == []
    assert all(p.type in PARAM_TYPES for p in q.params)


def test_header_check_finds_problems(tmp_path: Path) -> None:
    bad = tmp_path / "Bad_Name.rq"
    bad.write_text(
        "#+ summary: x\n#+ params:\n#+   - name: n\n#+     type: number\n"
        "#+ example: trialkg query run other\n"
        "PREFIX tkg: <http://example.org/wrong#>\nSELECT * WHERE { ?s ?p ?o }\n"
    )
    problems = "\n".join(load_query(bad).problems())
    for expected in ("missing header key 'description'", "missing header key 'tags'",
                     "unknown type 'number'", "prefix tkg", "example must start",
                     "file name 'Bad_Name'"):
        assert expected in problems


@pytest.mark.parametrize("path", QUERY_FILES)
def test_query_parses_and_runs_on_an_empty_store(path: Path) -> None:
    q = load_query(path)
    from trialkg.queries import vocabulary_resolver  # examples may name MeSH terms

    executor = LocalExecutor(TrialStore.memory())
    result = executor.query(bound_text(q, example_params(q.example),
                                      resolver=vocabulary_resolver(),
                                      searcher=searcher_for(executor)))
    if isinstance(result, ox.QuerySolutions):
        assert list(result) == [] or q.name in ("phase-status-counts", "enrollment-by-phase")
    elif isinstance(result, ox.QueryBoolean):
        assert not bool(result)


@pytest.mark.parametrize("path", QUERY_FILES)
def test_query_answers_on_the_real_records(path: Path, executor: LocalExecutor) -> None:
    """Each query on the real records (its header example answers on the bundled graph:
    tests/queries/test_examples.py)."""
    from tests.real_record_params import real_record_params

    q = load_query(path)
    if "main-job" in q.tags:  # asked of the bundled graph (the seed trials), not of ctgov-v2
        from trialkg.store.bundled import load_bundled

        executor = LocalExecutor(load_bundled())
    result = run_stored(q, real_record_params(q), executor)
    if isinstance(result, ox.QueryBoolean):
        assert bool(result)
    else:
        assert len(list(result)) > 0, f"{q.name} finds nothing on the real records"


def test_unknown_query_suggests_the_nearest_name() -> None:
    with pytest.raises(UnknownQueryError, match="did you mean 'trials-by-sponsor'"):
        QueryLibrary.default().get("trials-by-sponsr")


def test_unknown_and_missing_parameters(library: QueryLibrary) -> None:
    q = library.get("trials-by-sponsor")
    with pytest.raises(ParameterError, match="did you mean 'sponsor'"):
        bound_text(q, {"sponser": "Bayer"})
    with pytest.raises(ParameterError, match="needs parameter 'sponsor'"):
        bound_text(q, {})
    with pytest.raises(ParameterError, match="parameter 'role': expected one of any, lead"):
        bound_text(q, {"sponsor": "Bayer", "role": "owner"})


def test_optional_parameter_left_unbound(library: QueryLibrary) -> None:
    text = bound_text(library.get("timeline"), {})
    assert "VALUES ?condition" not in text and "VALUES ?drug" not in text
    assert "VALUES ?descendants { \"true\"^^" in text


def test_mesh_name_resolves_to_its_descriptor(library: QueryLibrary,
                                              executor: LocalExecutor) -> None:
    from trialkg.queries import mesh_resolver_for

    q = library.get("trials-by-condition")
    text = bound_text(q, {"condition": "diabetes mellitus, type 2"},
                      resolver=mesh_resolver_for(executor))
    assert "VALUES ?condition { <http://id.nlm.nih.gov/mesh/D003924> }" in text
    with pytest.raises(ParameterError, match="parameter 'condition'"):
        bound_text(q, {"condition": "no such disease"}, resolver=mesh_resolver_for(executor))


def test_mesh_names_resolve_by_the_parameter_kind(library: QueryLibrary) -> None:
    """A drug parameter takes the intervention kind, a condition parameter the condition kind
    (the same kinds as ``trialkg mesh link --kind``)."""
    from trialkg.queries.run import vocabulary_resolver

    assert library.get("trials-by-drug").params[0].kind == "intervention"
    assert library.get("trials-by-condition").params[0].kind == "condition"
    resolve = vocabulary_resolver()
    assert list(resolve("Gleevec", "intervention")) == ["D000068877"]
    assert list(resolve("Placebo", None)) == []  # any: no Placebos (also a technique)
    assert list(resolve("Insomnia", "condition")) == ["D007319"]
    assert list(resolve("Insomnia", "intervention")) == []
    drug = library.get("trials-by-drug")
    with pytest.raises(ParameterError, match="parameter 'drug'"):
        bound_text(drug, {"drug": "placebo"}, resolver=resolve)
