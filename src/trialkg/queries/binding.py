"""Bound parameters as typed terms, and the one place they enter query text: a VALUES block.

Parameters join the query at the top of its outer ``WHERE`` group: the binding step inserts
``VALUES ?name { term … }`` right after that group's opening brace, one block per bound
variable (an unbound optional parameter gets none, so it stays unbound: "any"). Terms are
written by pyoxigraph in N-Triples syntax, so a value is always data: quotes, braces and
newlines are escaped inside the literal, and an IRI cannot hold ``>`` or spaces at all.

The insertion keeps line numbers (no newline is added), so a syntax error still points at the
query file's own line.

>>> import pyoxigraph as ox
>>> with_values("SELECT ?t WHERE {\\n  ?t ?p ?o }", {"o": [ox.Literal('a"}')]})
'SELECT ?t WHERE { VALUES ?o { "a\\\\"}" }\\n  ?t ?p ?o }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from trialkg.exceptions import QueryError

__all__ = ["Bindings", "values_block", "where_brace", "with_values"]

#: Variable name -> the terms it takes (one, or several for a MeSH name with many matches).
Bindings = Mapping[str, Sequence[ox.NamedNode | ox.Literal]]

_IRI_RE = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _scan(text: str) -> list[tuple[int, str]]:
    """Significant tokens with their offsets: words and brackets, outside strings/comments/IRIs."""
    tokens: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        elif c == "<" and (m := _IRI_RE.match(text, i)):
            i = m.end()
        elif c in "?$" and (m := _WORD_RE.match(text, i + 1)):
            i = m.end()  # a variable, never a keyword
        elif c in "{}()":
            tokens.append((i, c))
            i += 1
        elif m := _WORD_RE.match(text, i):
            tokens.append((i, m.group().upper()))
            i = m.end()
        else:
            i += 1
    return tokens


def where_brace(text: str) -> int:
    """Offset of the opening brace of the query's outer WHERE group.

    >>> where_brace("PREFIX x: <http://x/#a> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    53
    >>> where_brace("ASK { ?s ?p ?o }")
    4

    :raises QueryError: when the query has no WHERE group (an update, a malformed query).
    """
    depth = 0
    form = None
    after_where = False
    for offset, token in _scan(text):
        if token in "{(":
            if depth == 0 and token == "{" and (
                after_where or form in ("SELECT", "ASK", "DESCRIBE")
            ):
                return offset
            depth += 1
        elif token in "})":
            depth -= 1
        elif depth == 0:
            if form is None and token in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = token
            elif token == "WHERE":
                after_where = True
    raise QueryError("cannot bind parameters: the query has no WHERE { … } group")


def values_block(bindings: Bindings) -> str:
    """``VALUES`` clauses for the bound variables (none for an empty mapping).

    >>> import pyoxigraph as ox
    >>> values_block({"n": [ox.Literal("x")],
    ...               "m": [ox.NamedNode("http://x/a"), ox.NamedNode("http://x/b")]})
    'VALUES ?n { "x" } VALUES ?m { <http://x/a> <http://x/b> }'
    """
    parts = []
    for name, terms in bindings.items():
        if not _VAR_RE.match(name):
            raise QueryError(f"not a SPARQL variable name: {name!r}")
        if not terms:
            continue
        for term in terms:  # only typed terms: their str() is N-Triples, always well formed
            if not isinstance(term, ox.NamedNode | ox.Literal):
                raise TypeError(f"a parameter must be an IRI or a literal, not {term!r}")
        parts.append(f"VALUES ?{name} {{ {' '.join(str(t) for t in terms)} }}")
    return " ".join(parts)


def with_values(text: str, bindings: Bindings) -> str:
    """The query text with the bindings as VALUES at the top of its outer WHERE group."""
    block = values_block(bindings)
    if not block:
        return text
    at = where_brace(text) + 1
    return f"{text[:at]} {block}{text[at:]}"
