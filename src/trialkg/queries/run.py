"""Running stored and ad hoc queries on any executor.

The binding step is separate from execution: :func:`bound_text` gives a self-contained query
text (parameters as a VALUES block of typed terms) that any SPARQL engine can run, so the
same stored query runs on the local Oxigraph store (:class:`LocalExecutor`) or on a remote
endpoint (an executor with a ``query(text)`` method).

>>> from trialkg.queries.library import QueryLibrary
>>> q = QueryLibrary.default().get("trial-outcomes")
>>> "VALUES ?trial { <https://identifiers.org/clinicaltrials:NCT00122473> }" in bound_text(
...     q, {"trial": "NCT00122473"})
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

import pyoxigraph as ox

from trialkg.exceptions import ParameterError, QueryError
from trialkg.iris import PREFIXES
from trialkg.queries.binding import Bindings, with_values
from trialkg.queries.library import StoredQuery
from trialkg.queries.params import (
    MAX_TEXT_MATCHES,
    MeshResolver,
    TextSearcher,
    bind,
)
from trialkg.store import TrialStore

__all__ = [
    "Executor",
    "LocalExecutor",
    "bind",
    "bound_text",
    "chain_resolvers",
    "mesh_resolver_for",
    "run_stored",
    "searcher_for",
    "syntax_message",
    "vocabulary_resolver",
]

R_co = TypeVar("R_co", covariant=True)


class Executor(Protocol[R_co]):
    """Anything that runs a SPARQL query text: the local store, a remote endpoint."""

    def query(self, text: str) -> R_co: ...


def searcher_for(executor: object) -> TextSearcher | None:
    """The full-text search of a :class:`LocalExecutor`'s store (None for other executors).
    The index is opened (or built) on the first search."""
    if not isinstance(executor, LocalExecutor):
        return None
    store = executor.store

    def search(text: str, fields: Sequence[str]) -> Sequence[str]:
        from trialkg.exceptions import SearchError
        from trialkg.store.search import index_for

        try:
            return index_for(store).matching(text, fields, limit=MAX_TEXT_MATCHES)
        except SearchError as exc:
            raise ParameterError(str(exc)) from None

    return search


def bound_text(query: StoredQuery, values: Mapping[str, str], *,
               resolver: MeshResolver | None = None, searcher: TextSearcher | None = None,
               ) -> str:
    """The stored query as one self-contained text with its parameters bound (VALUES).

    :raises ParameterError: see :func:`bind`.
    """
    return with_values(query.sparql,
                       bind(query, values, resolver=resolver, searcher=searcher))


def run_stored(query: StoredQuery, values: Mapping[str, str], executor: Executor[R_co], *,
               resolver: MeshResolver | None = None) -> R_co:
    """Bind ``values`` (user text, e.g. from ``-p key=value``) and run the query.

    ``resolver`` turns MeSH names into UIs; the default for a :class:`LocalExecutor` looks them
    up in its store.
    """
    if resolver is None:
        resolver = (chain_resolvers(mesh_resolver_for(executor), vocabulary_resolver())
                    if isinstance(executor, LocalExecutor) else vocabulary_resolver())
    return executor.query(bound_text(query, values, resolver=resolver,
                                     searcher=searcher_for(executor)))


class LocalExecutor:
    """Runs query texts on a :class:`TrialStore` (named graphs seen as one default graph)."""

    def __init__(self, store: TrialStore) -> None:
        self.store = store

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run one query.

        :raises QueryError: on a syntax error (with its position) or an evaluation error.
        """
        try:
            result: Any = self.store.store.query(text, prefixes=PREFIXES,
                                                 use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(syntax_message(text, str(exc))) from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"the query failed: {exc}") from None
        return result  # type: ignore[no-any-return]

    def select(self, text: str, bindings: Bindings | None = None) -> list[list[str | None]]:
        """Rows of a SELECT as lexical values (a convenience for Python callers and tests)."""
        result = self.query(with_values(text, bindings) if bindings else text)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        return [[None if v is None else v.value for v in row] for row in result]


_MESH_BY_NAME = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tkg: <https://w3id.org/trialkg/vocab#>
SELECT DISTINCT ?m WHERE {
  { ?m rdfs:label ?label } UNION { ?link tkg:meshLabel ?label ; tkg:mesh ?m }
  FILTER(LCASE(STR(?label)) = LCASE(?name))
  FILTER(STRSTARTS(STR(?m), "http://id.nlm.nih.gov/mesh/"))
} ORDER BY ?m"""


def mesh_resolver_for(executor: LocalExecutor) -> MeshResolver:
    """MeSH names resolved against the store: descriptor labels (MeSH graph) and the names
    the registry gave its MeSH links. Exact match, ignoring case."""

    def resolve(name: str, kind: str | None = None) -> Sequence[str]:
        rows = executor.select(_MESH_BY_NAME, {"name": [ox.Literal(name.strip())]})
        return [row[0].rsplit("/", 1)[-1] for row in rows if row[0]]

    return resolve


def vocabulary_resolver() -> MeshResolver:
    """MeSH names resolved with the MeSH vocabulary (bundled or imported) and its linker.

    A name resolves when a link covers the whole text: a descriptor's preferred or entry term,
    a drug's base name (``imatinib`` -> Imatinib Mesylate) or a supplementary record (its own
    ``C`` id). The parameter's kind (``condition``, ``intervention``; default ``any``) limits
    the branches as ``trialkg mesh link --kind`` does. Needs no graph, so it serves remote
    endpoints as well as the local store.
    """
    from trialkg.mesh import Linker, load_vocabulary

    linkers: dict[str, Linker] = {}

    def resolve(name: str, kind: str | None = None) -> Sequence[str]:
        key_kind = kind or "any"
        linker = linkers.get(key_kind)
        if linker is None:
            linker = linkers[key_kind] = Linker(load_vocabulary(), kind=key_kind)
        key = " ".join(name.lower().split())
        return [link.ui for link in linker.link(name)
                if " ".join(link.matched_text.lower().split()) == key]

    return resolve


def chain_resolvers(*resolvers: MeshResolver) -> MeshResolver:
    """The first resolver that finds something wins."""

    def resolve(name: str, kind: str | None = None) -> Sequence[str]:
        for resolver in resolvers:
            found = resolver(name, kind)
            if found:
                return found
        return []

    return resolve


_POSITION_RE = re.compile(r"error at (\d+):(\d+)")


def syntax_message(text: str, message: str) -> str:
    """pyoxigraph's syntax error with the offending line and a caret under the position.

    >>> print(syntax_message("SELECT * WHERE {\\n  ?s ?p\\n}", "error at 3:1: expected object"))
    syntax error at line 3, column 1: expected object
      3 | }
        | ^
    """
    m = _POSITION_RE.search(message)
    detail = message[m.end():].lstrip(": ") if m else message
    if not m:
        return f"syntax error: {detail}"
    line_no, byte_col = int(m.group(1)), int(m.group(2))
    lines = text.splitlines() or [""]
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    # pyoxigraph counts the column in bytes (1-based); the caret goes under the character.
    col = len(line.encode("utf-8")[: max(byte_col - 1, 0)].decode("utf-8", "ignore"))
    gutter = f"{line_no:>3} | "
    return (f"syntax error at line {line_no}, column {col + 1}: {detail}\n"
            f"{gutter}{line}\n{' ' * (len(gutter) - 2)}| {' ' * col}^")
