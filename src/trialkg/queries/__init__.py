"""Stored SPARQL queries: the library of ``queries/*.rq``, typed parameters, running, output.

>>> from trialkg.queries import QueryLibrary
>>> "trials-by-condition" in QueryLibrary.default().names()
True
"""

from __future__ import annotations

from trialkg.queries.binding import values_block, with_values
from trialkg.queries.library import QueryLibrary, StoredQuery, load_query
from trialkg.queries.params import PARAM_TYPES, MeshResolver, Param, parse_assignments
from trialkg.queries.run import (
    Executor,
    LocalExecutor,
    bind,
    bound_text,
    chain_resolvers,
    mesh_resolver_for,
    run_stored,
    searcher_for,
    vocabulary_resolver,
)

__all__ = [
    "PARAM_TYPES",
    "Executor",
    "LocalExecutor",
    "MeshResolver",
    "Param",
    "QueryLibrary",
    "StoredQuery",
    "bind",
    "bound_text",
    "chain_resolvers",
    "load_query",
    "mesh_resolver_for",
    "parse_assignments",
    "run_stored",
    "searcher_for",
    "values_block",
    "vocabulary_resolver",
    "with_values",
]
