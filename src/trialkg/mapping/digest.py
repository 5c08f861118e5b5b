"""A record's digest and ingest time: what re-ingest compares, and when a graph was written.

The digest is order-independent (SHA-256 of the sorted ``s p o`` lines), so the same record
mapped twice gives the same value whatever the order of its triples; an unchanged record is
skipped on re-ingest. ``SOURCE_DATE_EPOCH`` pins the ingest time for reproducible builds.
Shared by :mod:`trialkg.mapping.study` and :mod:`trialkg.mapping.results`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, serialize

from trialkg.iris import TKG, graph_iri

__all__ = ["digest_of_quads", "ingest_time", "record_digest", "study_digest", "triples_digest"]

_ENTITIES = NamedNode(graph_iri("entities"))  # store.ENTITIES_GRAPH


def ingest_time() -> str:
    """Ingest time; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        if epoch and epoch.isdigit()
        else datetime.now(tz=timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def digest_of_quads(quads: list[Quad]) -> str:
    return next(str(q.object.value) for q in quads
                if q.predicate.value == TKG + "recordDigest" and isinstance(q.object, Literal))


_ENTITIES_SUFFIX = f" {_ENTITIES} .\n".encode()


def study_digest(count: int, text: bytes, graph: NamedNode | DefaultGraph) -> str | None:
    """:func:`record_digest` of a study's ``count`` quads from their N-Quads ``text``.

    Every quad :func:`study_quads` writes is in the study's graph (the default graph for a
    registry record, see :func:`trialkg.iris.in_default_graph`) or the entities graph, so
    each line ends with one of two suffixes (a newline only ends a line: literals escape
    theirs), and both are cut from the whole text at once. None for text of another shape.
    """
    import hashlib

    if not count:
        return None
    if isinstance(graph, DefaultGraph):
        # every line ends " .\n"; the entities' lines are cut first, the rest are then
        # exactly the lines still ending " .\n"
        if text.count(b"\n") != count:
            return None
        cut = text.replace(_ENTITIES_SUFFIX, b"\n").replace(b" .\n", b"\n").splitlines()
    else:
        own = f" {graph} .\n".encode()
        if text.count(own) + text.count(_ENTITIES_SUFFIX) != count:
            return None
        cut = text.replace(own, b"\n").replace(_ENTITIES_SUFFIX, b"\n").splitlines()
    return hashlib.sha256(b"\n".join(sorted(cut))).hexdigest()[:32]


def triples_digest(lines: list[str]) -> str:
    """:func:`record_digest` from the ``s p o`` lines of the quads, as N-Quads writes them
    (a study's lines, mapped without building a quad). Sorting ``str`` by code point gives
    the order of their UTF-8 bytes, so this is the same digest.

    >>> g, s, p = NamedNode("http://g"), NamedNode("http://s"), NamedNode("http://p")
    >>> quads = [Quad(s, p, Literal("é"), g), Quad(s, p, Literal("z"), g)]
    >>> triples_digest([f"{q.subject} {q.predicate} {q.object}" for q in quads]) == (
    ...     record_digest(quads))
    True
    """
    import hashlib

    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:32]


def record_digest(quads: list[Quad]) -> str:
    """An order-independent digest of a study's triples.

    SHA-256 of the sorted ``subject predicate object`` lines. The lines are written by
    Oxigraph's N-Quads serialiser (in Rust) with the graph cut off, which gives the same
    text as formatting every term in Python at a fraction of the cost.

    >>> g, s, p = NamedNode("http://g"), NamedNode("http://s"), NamedNode("http://p")
    >>> a, b = Quad(s, p, Literal("1"), g), Quad(s, p, Literal("2"), g)
    >>> record_digest([a, b]) == record_digest([b, a])
    True
    """
    import hashlib

    lines = (serialize(quads, format=RdfFormat.N_QUADS) or b"").splitlines()
    if not quads:
        return hashlib.sha256(b"").hexdigest()[:32]
    # A study's quads share one graph: cut its " <g> ." from every line at C speed.
    first = quads[0].graph_name
    suffix = _graph_suffix(quads[0])
    cut = [line[: -len(suffix)] if q.graph_name == first else _triple_part(line, q)
           for line, q in zip(lines, quads, strict=True)]
    return hashlib.sha256(b"\n".join(sorted(cut))).hexdigest()[:32]


def _graph_suffix(quad: Quad) -> bytes:
    g = quad.graph_name
    return f" {g} .".encode() if isinstance(g, NamedNode | BlankNode) else b" ."


def _triple_part(line: bytes, quad: Quad) -> bytes:
    """``s p o`` of an N-Quads line ``s p o g .`` (or ``s p o .`` in the default graph)."""
    suffix = _graph_suffix(quad)
    return line[: -len(suffix)] if line.endswith(suffix) else line
