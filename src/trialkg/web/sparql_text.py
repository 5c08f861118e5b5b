"""Facts about SPARQL query texts: their form, and trialkg's prefixes spelled out.

Queries run on an executor (:class:`trialkg.queries.LocalExecutor` for the store,
:class:`trialkg.remote.RemoteEndpoint` for a server), both with ``query(text)``.

>>> query_form("PREFIX x: <http://x/> # SELECT in a comment\\nCONSTRUCT { ?s ?p ?o } WHERE {}")
'CONSTRUCT'
"""

from __future__ import annotations

import re

from trialkg.exceptions import QueryError
from trialkg.iris import PREFIXES

__all__ = ["is_update", "query_form", "with_prefixes"]


_COMMENT = re.compile(r"#[^\n]*")
_IRI_OR_STRING = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE = re.compile(
    r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b", re.IGNORECASE
)


def _strip(text: str) -> str:
    # IRIs and strings first (they may hold '#'), then comments.
    return _COMMENT.sub(" ", _IRI_OR_STRING.sub(" ", text))


# The prologue once IRIs are stripped: ``PREFIX x:`` and ``BASE`` with their IRIs gone.
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s+)*", re.IGNORECASE)


def is_update(text: str) -> bool:
    """True when the text is a SPARQL update (its first keyword after the prologue is one).

    >>> is_update("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }"), is_update("ask {}")
    (True, False)
    """
    body = _PROLOGUE.sub("", _strip(text), count=1)
    return _UPDATE.match(body) is not None


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
