"""Export the store, or chosen named graphs, in any RDF format.

Output is deterministic: the same store content gives a byte-identical file (small exports
are sorted with canonical blank nodes; large ones stream in Oxigraph's order, see
:data:`SORT_LIMIT`, and a large Turtle or N-Triples export of the whole store is written by
Oxigraph graph by graph). Triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) carry the union of
the chosen graphs; quad formats (N-Quads, TriG) keep every named graph. Files are written to a
temporary file beside the target and renamed, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from trialkg.formats import RdfFormatInfo
from trialkg.iris import PREFIXES
from trialkg.store import TrialStore

__all__ = ["SORT_LIMIT", "export", "export_to_path", "new_file_mode", "sorted_triples"]

#: Up to this many triples an export (or one named graph of it) is sorted, with blank nodes
#: canonicalised: readable diffs, byte-identical across stores. Above it, it streams in
#: Oxigraph's index order: fast, and byte-identical for the same store.
SORT_LIMIT = 200_000


def _key(term: object) -> str:
    return str(term)


def _has_blank(t: ox.Triple | ox.Quad) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def canonical_quads(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Blank nodes renamed canonically (RDFC-1.0), so equal graphs serialise equally.

    trialkg's own data has no blank nodes; the ontology's OWL axioms (unions, lists) do.
    """
    if not any(_has_blank(q) for q in quads):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Distinct triples, blank nodes canonicalised, sorted by subject, predicate, object."""
    graph = ox.DefaultGraph()
    unique = [q.triple for q in canonical_quads([ox.Quad(t.subject, t.predicate, t.object, graph)
                                                 for t in set(triples)])]
    return sorted(unique, key=lambda t: (_key(t.subject), _key(t.predicate), _key(t.object)))


def _union_triples(store: TrialStore, graphs: list[str] | None) -> Iterable[ox.Triple]:
    if store.triple_count(graphs) <= SORT_LIMIT:
        return sorted_triples(q.triple for q in store.quads(graphs))
    # Large: streamed in the store's own (deterministic) index order.
    return (q.triple for q in store.quads(graphs))


def _graph_quads(store: TrialStore, graphs: list[str] | None) -> Iterator[ox.Quad]:
    names = store.named_graphs() if graphs is None else sorted(graphs)
    for g in names:
        quads = list(store.quads([g]))
        if len(quads) > SORT_LIMIT:  # large: in store order
            yield from quads
            continue
        quads = canonical_quads(quads)
        quads.sort(key=lambda q: (_key(q.subject), _key(q.predicate), _key(q.object)))
        yield from quads


#: Triple formats whose documents can be concatenated into one (a Turtle document may bind
#: prefixes anywhere): a large export of the whole store writes them graph by graph.
_CONCATENABLE = ("turtle", "ntriples")


def _dump_graphs(store: TrialStore, fmt: RdfFormatInfo, output: IO[bytes],
                 prefixes: dict[str, str] | None) -> None:
    """The union of every graph, written by Oxigraph graph by graph without a Python object
    per triple: the default graph (the study records, nearly all of a large store), then each
    named graph, each with its own sorted prefix header. A triple in two graphs is written
    twice, which changes nothing in the graph a parser reads."""
    named = sorted((g for g in store.store.named_graphs() if isinstance(g, ox.NamedNode)),
                   key=lambda g: g.value)
    parts: list[ox.DefaultGraph | ox.NamedNode] = [ox.DefaultGraph(), *named]
    for part in parts:
        header = _SortedPrefixes(output)
        store.store.dump(cast(IO[bytes], header), fmt.rdf_format, from_graph=part,
                         prefixes=prefixes)
        header.close()


def export(
    store: TrialStore, fmt: RdfFormatInfo, output: IO[bytes], graphs: list[str] | None = None
) -> None:
    """Serialise the store (or the named ``graphs``) to a binary stream."""
    prefixes = PREFIXES if fmt.name in ("turtle", "trig", "rdfxml", "jsonld") else None
    if graphs is None and fmt.name in _CONCATENABLE and len(store) > SORT_LIMIT:
        _dump_graphs(store, fmt, output, prefixes)
        return
    data: Iterable[ox.Triple] | Iterable[ox.Quad]
    data = _graph_quads(store, graphs) if fmt.has_graphs else _union_triples(store, graphs)
    if fmt.name in ("turtle", "trig"):
        # pyoxigraph writes the @prefix lines in hash-map order: sort them ourselves.
        header = _SortedPrefixes(output)
        ox.serialize(data, cast(IO[bytes], header), fmt.rdf_format, prefixes=prefixes)
        header.close()
    else:
        ox.serialize(data, output, fmt.rdf_format, prefixes=prefixes)


class _SortedPrefixes:
    """A binary writer that sorts the leading ``@prefix`` lines, then streams the rest."""

    def __init__(self, output: IO[bytes]) -> None:
        self.output = output
        self.head: bytearray | None = bytearray()

    def write(self, data: bytes) -> int:
        if self.head is None:
            return self.output.write(data)
        self.head += data
        lines = self.head.split(b"\n")
        if all(line.startswith(b"@prefix") for line in lines[:-1]) and (
            not lines[-1] or b"@prefix".startswith(lines[-1][:7])
        ):
            return len(data)  # still inside the prefix header
        self.flush_head()
        return len(data)

    def flush_head(self) -> None:
        if self.head is None:
            return
        lines = bytes(self.head).split(b"\n")
        n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")),
                 len(lines))
        self.output.write(b"".join(line + b"\n" for line in sorted(lines[:n])))
        self.output.write(b"\n".join(lines[n:]))
        self.head = None

    def flush(self) -> None:
        self.output.flush()

    def close(self) -> None:
        self.flush_head()


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: 0666 less the process umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def export_to_path(
    store: TrialStore, fmt: RdfFormatInfo, path: Path, graphs: list[str] | None = None
) -> None:
    """Export to a file atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        os.chmod(tmp, new_file_mode())  # mkstemp makes 0600; a written file follows the umask
        with os.fdopen(fd, "wb") as out:
            export(store, fmt, out, graphs)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
