"""Search text as people type it, turned into an SQLite FTS5 query that cannot misfire.

What a user writes: words (all must match), ``"a phrase"`` (adjacent words in order),
``AND``/``OR``/``NOT`` (upper case, as in FTS5), parentheses, and a ``*`` after a word for a
prefix (``imatin*``). Every word and phrase is passed to FTS5 as a quoted string, so
punctuation inside a word (``COVID-19``, ``ABT-737``, ``l'asparaginase``) is just text that
the tokenizer splits into words, never FTS5 syntax.

>>> to_fts("imatinib desmoid")
'"imatinib" "desmoid"'
>>> to_fts('"low back pain" OR lumbago')
'"low back pain" OR "lumbago"'
>>> to_fts("imatin* NOT (gist OR leukemia)")
'"imatin"* NOT ( "gist" OR "leukemia" )'
>>> to_fts("COVID-19", fields=["title", "keywords"])
'{title keywords} : ( "COVID-19" )'
>>> to_fts('"back pain')
Traceback (most recent call last):
...
trialkg.exceptions.SearchError: search '"back pain': unbalanced quote (a phrase needs a closing ")
"""

from __future__ import annotations

from collections.abc import Sequence

from trialkg.exceptions import SearchError

__all__ = ["FIELDS", "OPERATORS", "to_fts"]

#: The searchable fields of a trial, in the index's column order.
FIELDS = ("title", "summary", "conditions", "interventions", "keywords", "sponsors")
OPERATORS = ("AND", "OR", "NOT")
_SPECIAL = set('"()')


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _tokens(text: str) -> list[str]:
    """The query's parts: quoted words and phrases, operators and parentheses."""
    out: list[str] = []
    i, n = 0, len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise SearchError(
                    f"search {text!r}: unbalanced quote (a phrase needs a closing \")")
            phrase = text[i + 1 : end]
            i = end + 1
            if not phrase.strip():
                continue  # "" is nothing to look for
            star = text[i : i + 1] == "*"
            i += star
            out.append(_quoted(phrase) + ("*" if star else ""))
        elif c in "()":
            depth += 1 if c == "(" else -1
            if depth < 0:
                raise SearchError(f"search {text!r}: ')' without an opening '('")
            out.append(c)
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            word = text[i:j]
            i = j
            if word in OPERATORS:
                out.append(word)
            elif word.endswith("*") and word.strip("*"):
                out.append(_quoted(word.rstrip("*")) + "*")
            elif word.strip("*"):
                out.append(_quoted(word))
    if depth:
        raise SearchError(f"search {text!r}: '(' without a closing ')'")
    _check_operators(text, out)
    return out


def _check_operators(text: str, tokens: list[str]) -> None:
    """AND/OR/NOT join two terms: each needs one on either side."""
    if not any(t not in OPERATORS and t not in "()" for t in tokens):
        raise SearchError(f"search {text!r}: nothing to search for")
    for k, token in enumerate(tokens):
        if token not in OPERATORS:
            continue
        before = tokens[k - 1] if k else "("
        after = tokens[k + 1] if k + 1 < len(tokens) else ")"
        if before in (*OPERATORS, "(") or after in (*OPERATORS, ")"):
            raise SearchError(
                f"search {text!r}: {token} needs a word or phrase on both sides "
                f"(e.g. imatinib {token} sarcoma)")


def to_fts(text: str, fields: Sequence[str] = ()) -> str:
    """The FTS5 query for a user's search text, limited to ``fields`` when given.

    :raises SearchError: for an unbalanced quote or parenthesis, a dangling operator, an
        empty search or an unknown field.
    """
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise SearchError(f"unknown search field {unknown[0]!r} (known: {', '.join(FIELDS)})")
    expr = " ".join(_tokens(text))
    if fields:
        return "{" + " ".join(dict.fromkeys(fields)) + "} : ( " + expr + " )"
    return expr
