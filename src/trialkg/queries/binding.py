"""Bound parameters as typed terms, and the one place they enter query text: a VALUES block.

Each bound parameter joins the query as ``VALUES ?name { term … }`` (an unbound optional
parameter gets none, so it stays unbound: "any"), inserted right after the opening brace of
the innermost group that holds every use of the variable, going down from the outer ``WHERE``
group only through groups that are joined into their parent (plain ``{…}`` and ``GRAPH … {…}``)
and into every branch of a UNION that holds them all; never into an OPTIONAL, MINUS, EXISTS,
SERVICE, VALUES data or a subquery. For a variable used in the outer group itself that is the
top of the outer group. Placed there, the parameter is bound for every pattern and FILTER of
that group, as a constant would be, and a query can keep a text match on a parameter next to
the small set it filters (Oxigraph joins a VALUES block with the patterns of its own group
first but does not carry it into other groups or UNION branches, nor push a FILTER that mixes
it with their variables below a join; see ``benchmarks/queries-10k.md``).

Terms are written by pyoxigraph in N-Triples syntax, so a value is always data: quotes, braces
and newlines are escaped inside the literal, and an IRI cannot hold ``>`` or spaces at all.

The insertion keeps line numbers (no newline is added), so a syntax error still points at the
query file's own line.

>>> import pyoxigraph as ox
>>> with_values("SELECT ?t WHERE {\\n  ?t ?p ?o }", {"o": [ox.Literal('a"}')]})
'SELECT ?t WHERE { VALUES ?o { "a\\\\"}" }\\n  ?t ?p ?o }'
>>> with_values("SELECT ?t WHERE { ?t ?p ?o . { ?o ?q ?n FILTER(?n > ?min) } }",
...             {"min": [ox.Literal(3)]})  # doctest: +NORMALIZE_WHITESPACE
'SELECT ?t WHERE { ?t ?p ?o . { VALUES ?min { "3"^^<http://www.w3.org/2001/XMLSchema#integer> }
 ?o ?q ?n FILTER(?n > ?min) } }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from trialkg.exceptions import QueryError

__all__ = ["Bindings", "values_block", "values_offsets", "where_brace", "with_values"]

#: Variable name -> the terms it takes (one, or several for a MeSH name with many matches).
Bindings = Mapping[str, Sequence[ox.NamedNode | ox.Literal]]

_IRI_RE = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _scan(text: str) -> list[tuple[int, str]]:
    """Significant tokens with their offsets, outside strings, comments and IRIs.

    Keywords upper-cased, brackets, dots, variables as ``?name`` (whichever of ``?``/``$`` they
    are written with) and the parts of prefixed names as ``:part``: neither is ever taken for
    a keyword.
    """
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
            tokens.append((i, "?" + m.group()))
            i = m.end()
        elif c in "{}().":
            tokens.append((i, c))
            i += 1
        elif m := _WORD_RE.match(text, i):
            name = text[i - 1 : i] == ":" or text[m.end() : m.end() + 1] == ":"
            tokens.append((i, ":" + m.group() if name else m.group().upper()))
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


@dataclass(eq=False)
class _Group:
    """A ``{…}`` group of the WHERE clause: where it opens, how it joins its parent, the
    variables used in it directly (not in a nested group), and its nested groups in order.

    ``link`` is ``"join"`` for a group joined into its parent (a plain or a GRAPH group, a
    subquery, or the first branch of a UNION written as one), ``"union"`` for a later branch of
    a UNION (it belongs with the group before it) and ``"other"`` for anything else: OPTIONAL,
    MINUS, EXISTS, SERVICE, VALUES data, the WHERE group of a subquery, or a group after
    something unrecognised.

    A subquery (``{ SELECT … }``) has ``projects``: the variables it projects as they are, when
    it has no other modifier than DISTINCT, REDUCED and ORDER BY (no expressions, grouping,
    LIMIT or OFFSET), else None. Joining a VALUES of one of those with its result is the same
    as joining it inside, in its WHERE group (its first nested group).
    """

    start: int
    link: str
    uses: set[str] = field(default_factory=set)
    children: list[_Group] = field(default_factory=list)
    subquery: bool = False
    projects: set[str] | None = None
    end: int = 0  # index of the closing brace's token

    def uses_below(self, name: str) -> bool:
        return name in self.uses or any(c.uses_below(name) for c in self.children)

    def elements(self) -> list[list[_Group]]:
        """The nested groups as elements of this group: single groups and UNION chains."""
        out: list[list[_Group]] = []
        for child in self.children:
            if child.link == "union" and out:
                out[-1].append(child)
            else:
                out.append([child])
        return out


def _where_tree(text: str) -> _Group:
    """The outer WHERE group, with its nested groups and where each variable is used."""
    tokens = _scan(text)
    start = where_brace(text)
    first = next(k for k, (offset, _) in enumerate(tokens) if offset == start)
    words = [token for _, token in tokens]
    root = _Group(start, "join")
    stack = [root]
    k = first
    while k + 1 < len(tokens):
        k += 1
        token = words[k]
        if token == "{":
            group = _Group(tokens[k][0], _link(words, k))
            stack[-1].children.append(group)
            stack.append(group)
            if k + 1 < len(words) and words[k + 1] == "SELECT":
                group.subquery = True
                k = _projection(words, k + 1, group)
        elif token == "}":
            group = stack.pop()
            group.end = k
            if group.subquery and (
                not group.children or _MODIFIERS & set(words[group.children[0].end + 1 : k])
            ):
                group.projects = None
            if not stack:
                break
        elif token.startswith("?"):
            stack[-1].uses.add(token[1:])
    return root


#: Subquery modifiers after which a VALUES inside would not mean the same as outside.
_MODIFIERS = {"GROUP", "HAVING", "LIMIT", "OFFSET", "VALUES"}


def _projection(words: list[str], k: int, subquery: _Group) -> int:
    """Read the SELECT clause at token ``k`` into ``subquery.projects``; the index of its
    last token. Expressions (or ``*``) leave ``projects`` unset."""
    names: set[str] = set()
    plain = True
    while k + 1 < len(words) and words[k + 1] not in ("WHERE", "{"):
        k += 1
        if words[k] == "(":
            plain = False
        elif words[k].startswith("?"):
            names.add(words[k][1:])
    subquery.projects = names if plain and names else None
    return k


#: Keywords after which a ``{`` opens a group not joined into its parent (or VALUES data).
_NOT_JOINED = {"OPTIONAL", "MINUS", "EXISTS", "SERVICE", "SILENT", "VALUES", "WHERE", "SELECT"}


def _link(words: list[str], k: int) -> str:
    """How the group opening at token ``k`` joins its parent (see :class:`_Group`)."""
    before = words[k - 1]
    if before == "UNION":
        return "union"
    if before in _NOT_JOINED or (before.startswith("?") and words[k - 2] in _NOT_JOINED):
        return "other"  # OPTIONAL {, VALUES ?x {, SERVICE ?s {, FILTER NOT EXISTS { ...
    if before == ")":  # VALUES (?a ?b) { data }, or a group after FILTER(...) or BIND(...)
        depth, j = 0, k - 1
        while j > 0:
            depth += {")": 1, "(": -1}.get(words[j], 0)
            if depth == 0:
                break
            j -= 1
        return "other" if words[j - 1] == "VALUES" else "join"
    return "join"  # a group after {, }, ., a triple's last term, or GRAPH <g> / GRAPH ?g


def _targets(group: _Group, name: str) -> list[int]:
    """Where ``name``'s VALUES goes below ``group`` (offsets of opening braces)."""
    if name in group.uses:
        return [group.start]
    using = [chain for chain in group.elements() if any(g.uses_below(name) for g in chain)]
    if len(using) != 1 or using[0][0].link != "join":
        return [group.start]
    # One element holds every use: a group joined into this one, or a UNION, into whose every
    # branch the VALUES go (a join distributes over a union); into a subquery's WHERE group
    # when it projects the variable as it is.
    out = []
    for branch in using[0]:
        if not branch.subquery:
            out += _targets(branch, name)
        elif branch.projects and name in branch.projects and name not in branch.uses:
            out += _targets(branch.children[0], name)
        else:
            return [group.start]
    return out


def values_offsets(text: str, names: Sequence[str]) -> dict[str, list[int]]:
    """Where each variable's VALUES block goes: just inside the opening brace of the innermost
    group holding every use of it, reached from the outer WHERE group through joined groups,
    or of every branch of the innermost UNION holding them all (each branch then goes down the
    same way); the outer group itself for a variable used there or nowhere in WHERE.

    >>> q = ("SELECT * WHERE { ?t ?p ?o . { ?o ?q ?n FILTER(?n > ?min) } OPTIONAL { ?t ?r ?x }"
    ...      " { ?t ?r ?y } UNION { ?t ?s ?z FILTER(?z != ?y) } }")
    >>> {k: [q[v:v + 6] for v in vs] for k, vs in values_offsets(q, ["min", "x", "y"]).items()}
    {'min': [' ?o ?q'], 'x': [' ?t ?p'], 'y': [' ?t ?r', ' ?t ?s']}

    :raises QueryError: when the query has no WHERE { … } group.
    """
    root = _where_tree(text)
    return {name: [offset + 1 for offset in _targets(root, name)] for name in names}


def with_values(text: str, bindings: Bindings) -> str:
    """The query text with each binding as a VALUES block (see :func:`values_offsets`)."""
    blocks: dict[int, list[str]] = {}
    bound = [name for name, terms in bindings.items() if terms]
    offsets = values_offsets(text, bound) if bound else {}
    for name, terms in bindings.items():
        block = values_block({name: terms})
        if block:
            for at in offsets[name]:
                blocks.setdefault(at, []).append(block)
    for at in sorted(blocks, reverse=True):
        text = f"{text[:at]} {' '.join(blocks[at])}{text[at:]}"
    return text
