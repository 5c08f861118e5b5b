"""Every stored query's header example returns rows on the bundled graph (issue #15).

A new user tries the example of `trialkg query show NAME` before ingesting anything: it must
answer from the bundled graph (seven imatinib/DFSP/desmoid studies), not print 0 rows.
"""

from __future__ import annotations

import shlex
from typing import Any

import pyoxigraph as ox
import pytest

from trialkg.queries import (
    LocalExecutor,
    QueryLibrary,
    bound_text,
    chain_resolvers,
    mesh_resolver_for,
    searcher_for,
    vocabulary_resolver,
)
from trialkg.store.bundled import load_bundled

LIBRARY = QueryLibrary.default()
NO_BUNDLED_DATA: dict[str, str] = {}  # query name -> why its example cannot answer


@pytest.fixture(scope="module")
def bundled() -> LocalExecutor:
    return LocalExecutor(load_bundled())


def example_params(example: str) -> dict[str, str]:
    argv = shlex.split(example)
    pairs = [argv[i + 1] for i, word in enumerate(argv) if word in ("-p", "--param")]
    return dict(pair.split("=", 1) for pair in pairs)


def answer_size(result: Any) -> int:
    if isinstance(result, ox.QueryBoolean):
        return int(bool(result))
    return sum(1 for _ in result)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(reason=NO_BUNDLED_DATA[n], strict=True))
     if n in NO_BUNDLED_DATA else n for n in sorted(LIBRARY.names())],
)
def test_header_example_answers_on_the_bundled_graph(bundled: LocalExecutor, name: str) -> None:
    query = LIBRARY.get(name)
    resolver = chain_resolvers(mesh_resolver_for(bundled), vocabulary_resolver())
    text = bound_text(query, example_params(query.example), resolver=resolver,
                      searcher=searcher_for(bundled))
    assert answer_size(bundled.query(text)) >= 1, f"{query.example} gives no rows"


def test_adverse_events_beside_the_reviews_pooled_share(bundled: LocalExecutor) -> None:
    """The bundled trials posted no adverse events; the systematic review's 73.5 % of patients
    with adverse events (curated/evidence/navarrete-dechent-2019.yaml) is listed with its
    source, and only when no kind of event (serious or other) is asked for."""
    query = LIBRARY.get("adverse-events-for-drug")
    resolver = chain_resolvers(mesh_resolver_for(bundled), vocabulary_resolver())
    rows = list(bundled.query(bound_text(query, {"intervention": "imatinib"},
                                         resolver=resolver)))
    assert [(r["term"].value, r["percentAffected"].value, r["evidence"].value) for r in rows] == [
        ("Patients with adverse events", "73.5",
         "https://w3id.org/trialkg/id/evidence/navarrete-dechent-2019")]
    for serious in ("true", "false"):
        text = bound_text(query, {"intervention": "imatinib", "serious": serious},
                          resolver=resolver)
        assert list(bundled.query(text)) == []
