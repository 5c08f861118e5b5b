"""Stored SPARQL queries: the library of ``queries/*.rq``, typed parameters, running, output.

* :mod:`~trialkg.queries.library` and :mod:`~trialkg.queries.header` — the query files and
  their ``#+`` headers, checked on load;
* :mod:`~trialkg.queries.params` — typed parameters and :func:`bind`;
  :mod:`~trialkg.queries.binding` — bound values as a VALUES block in the query text;
* :mod:`~trialkg.queries.run` — executors (the local store, a remote endpoint) and running;
* :mod:`~trialkg.queries.output` — tables for people, CSV/TSV/JSON for pipes;
  :mod:`~trialkg.queries.charts` — a query's Vega-Lite chart;
  :mod:`~trialkg.queries.answers` — results built from Python values (for the server).

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
