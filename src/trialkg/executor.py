"""Where a SPARQL query runs: one interface for the local store and a remote endpoint.

A :class:`QueryExecutor` takes a complete, self-contained query TEXT (parameters already bound
in a ``VALUES`` block by the query library) and answers in pyoxigraph's own shapes, whichever
engine ran it:

* ``select(text)`` → :class:`pyoxigraph.QuerySolutions` (iterate rows; ``.variables``;
  ``.serialize(format=QueryResultsFormat.JSON)``),
* ``ask(text)`` → :class:`bool`,
* ``construct(text)`` → an iterator of :class:`pyoxigraph.Triple` (CONSTRUCT and DESCRIBE).

Both run against the union of the named graphs (trialkg keeps the default graph empty): the
local executor asks pyoxigraph for it; a remote server must be configured so (see
``trialkg.remote``).

>>> from trialkg.store import TrialStore
>>> store = TrialStore.memory()
>>> store.load_ontology() > 0
True
>>> local = LocalExecutor(store)
>>> local.ask("ASK { ?o a owl:Ontology }")
True
>>> query_form("PREFIX x: <http://x/> # SELECT in a comment\\nCONSTRUCT { ?s ?p ?o } WHERE {}")
'CONSTRUCT'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from trialkg.exceptions import QueryError
from trialkg.iris import PREFIXES
from trialkg.store import TrialStore

__all__ = ["LocalExecutor", "QueryExecutor", "query_form", "with_prefixes"]


@runtime_checkable
class QueryExecutor(Protocol):
    """Runs one self-contained SPARQL query text; see the module docstring for the shapes."""

    def select(self, text: str) -> ox.QuerySolutions: ...

    def ask(self, text: str) -> bool: ...

    def construct(self, text: str) -> Iterator[ox.Triple]: ...


class LocalExecutor:
    """The local store (or the bundled graph), default graph = union of the named graphs."""

    def __init__(self, store: TrialStore) -> None:
        self.store = store

    def _run(self, text: str) -> object:
        try:
            return self.store.store.query(
                text, prefixes=PREFIXES, use_default_graph_as_union=True
            )
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {exc}") from None
        except OSError as exc:
            raise QueryError(f"the query failed: {exc}") from None

    def select(self, text: str) -> ox.QuerySolutions:
        result = self._run(text)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        return result

    def ask(self, text: str) -> bool:
        result = self._run(text)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("not an ASK query")
        return bool(result)

    def construct(self, text: str) -> Iterator[ox.Triple]:
        result = self._run(text)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("not a CONSTRUCT or DESCRIBE query")
        return iter(result)


_COMMENT = re.compile(r"#[^\n]*")
_IRI_OR_STRING = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE = re.compile(
    r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b", re.IGNORECASE
)


def _strip(text: str) -> str:
    # IRIs and strings first (they may hold '#'), then comments.
    return _COMMENT.sub(" ", _IRI_OR_STRING.sub(" ", text))


def query_form(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the form of a query text.

    >>> query_form("ask {}")
    'ASK'

    :raises QueryError: the text has none of the four (an update, or not SPARQL).
    """
    m = _FORM.search(_strip(text))
    if m is None:
        if _UPDATE.search(_strip(text)):
            raise QueryError("this is a SPARQL update; trialkg only runs queries")
        raise QueryError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")
    return m.group(1).upper()


def with_prefixes(text: str) -> str:
    """The query with ``PREFIX`` lines for trialkg's prefixes that it does not declare.

    A remote server does not know trialkg's prefixes, so queries written for the local
    engine (which gets them from pyoxigraph's ``prefixes=``) need them spelled out. They go
    on the query's first line, so the server's error positions keep their line numbers.

    >>> print(with_prefixes("PREFIX tkg: <http://other/>\\nASK { ?s a tkg:Trial }")[:31])
    PREFIX ctid: <https://identifie
    >>> "PREFIX tkg: <https://w3id" in with_prefixes("PREFIX tkg: <http://other/> ASK {}")
    False
    """
    declared = {m.group(1) for m in re.finditer(r"PREFIX\s+([\w.-]*):", _strip(text), re.I)}
    lines = [f"PREFIX {p}: <{iri}>" for p, iri in sorted(PREFIXES.items()) if p not in declared]
    # One line before the query's own first line, so the server's error positions still
    # point at the right line of the text the user wrote.
    return " ".join([*lines, text]) if lines else text
