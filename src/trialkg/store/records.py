"""Where a record's quads are in the store, and how they are found, replaced and dropped.

A record is named by its graph IRI (``graph/study/NCT…``, ``graph/curated/…``,
``graph/evidence/…``). A study's registry record is kept in the **default graph**
(:func:`trialkg.iris.in_default_graph`): Oxigraph writes a default-graph triple to three
indexes and a named-graph quad to six, so at registry scale this halves the store's size and
write time (``benchmarks/store-write.md``). Every other record keeps its own named graph.

A default-graph record is still exactly one set of triples, found without any extra triple:

* the record node ``graph/study/NCT…`` (its provenance) and the trial it is about;
* every node the record mints (arms, outcomes, sites, MeSH links ...) has an IRI below
  ``id/NCT…/`` and hangs off the trial or another such node.

No other record writes a triple about these nodes into the default graph (curated additions
about the same trial are in their own graph; shared entities in ``graph/entities``), so the
record's triples are those whose subject is one of these nodes, reached from the trial in a
few index lookups. ``tests/test_records.py`` checks on every shared record that this gives
exactly the quads the mapping wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from trialkg.iris import ID, STUDY_GRAPH_PREFIX, TKG, in_default_graph, trial_iri

__all__ = [
    "default_records",
    "drop_update",
    "has_record",
    "home",
    "insert_data",
    "old_layout_graphs",
    "owned_subjects",
    "record_quads",
    "upgrade_layout",
]

_DEFAULT = ox.DefaultGraph()
_ABOUT_TRIAL = ox.NamedNode(TKG + "aboutTrial")
_RECORD_DIGEST = ox.NamedNode(TKG + "recordDigest")


def home(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    """The graph of the store that holds this record's quads."""
    return _DEFAULT if in_default_graph(graph) else ox.NamedNode(graph)


def has_record(store: ox.Store, graph: str) -> bool:
    """Whether the store holds this record (a default-graph record: its provenance node)."""
    if not in_default_graph(graph):
        return store.contains_named_graph(ox.NamedNode(graph))
    node = ox.NamedNode(graph)
    return next(iter(store.quads_for_pattern(node, None, None, _DEFAULT)), None) is not None


def default_records(store: ox.Store) -> list[str]:
    """Every record kept in the default graph (one index scan of ``tkg:recordDigest``)."""
    return sorted(q.subject.value for q in store.quads_for_pattern(
        None, _RECORD_DIGEST, None, _DEFAULT)
        if isinstance(q.subject, ox.NamedNode) and in_default_graph(q.subject.value))


def owned_subjects(store: ox.Store, graph: str) -> Iterator[tuple[ox.NamedNode, list[ox.Quad]]]:
    """Each node a default-graph record owns, with its quads: the record node, the trial,
    then every node below ``id/NCT…/`` reached from them (breadth first)."""
    record = ox.NamedNode(graph)
    trial_id = graph[len(STUDY_GRAPH_PREFIX):]
    own = ID + trial_id + "/"
    first = list(store.quads_for_pattern(record, None, None, _DEFAULT))
    if not first:
        return
    yield record, first
    trial = next((q.object for q in first if q.predicate == _ABOUT_TRIAL
                  and isinstance(q.object, ox.NamedNode)), ox.NamedNode(trial_iri(trial_id)))
    seen = {trial}
    todo = [trial]
    while todo:
        node = todo.pop(0)
        quads = list(store.quads_for_pattern(node, None, None, _DEFAULT))
        yield node, quads
        for q in quads:
            o = q.object
            if isinstance(o, ox.NamedNode) and o not in seen and o.value.startswith(own):
                seen.add(o)
                todo.append(o)


def record_quads(store: ox.Store, graph: str, *, named: bool = True) -> Iterator[ox.Quad]:
    """The record's quads; a default-graph record's are given in the record's own named
    graph when ``named`` (what exports, pushes and ``graphs`` show), else as stored."""
    if not in_default_graph(graph):
        yield from store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        return
    g = ox.NamedNode(graph)
    for _, quads in owned_subjects(store, graph):
        if named:
            yield from (ox.Quad(q.subject, q.predicate, q.object, g) for q in quads)
        else:
            yield from quads


def drop_update(store: ox.Store, graphs: Iterable[str]) -> str:
    """SPARQL update operations that drop these records (to run in the same update as
    their new quads, so the replacement is atomic); empty when there is nothing to drop."""
    ops = []
    subjects: list[str] = []
    for graph in graphs:
        if in_default_graph(graph):
            subjects.extend(str(node) for node, _ in owned_subjects(store, graph))
        else:
            ops.append(f"DROP SILENT GRAPH <{graph}>")
    if subjects:
        values = " ".join(subjects)
        ops.append(f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
    return " ;\n".join(ops)


def insert_data(quads: Iterable[ox.Quad]) -> str:
    """``INSERT DATA`` of these quads: the default graph's outside any ``GRAPH`` block."""
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        by_graph.setdefault(name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    body = "\n".join(("\n".join(lines) if not g else f"GRAPH <{g}> {{\n" + "\n".join(lines)
                      + "\n}") for g, lines in by_graph.items())
    return f"INSERT DATA {{\n{body}\n}}"


def old_layout_graphs(store: ox.Store) -> Iterator[ox.NamedNode]:
    """Study records that a store of an earlier trialkg keeps as named graphs."""
    for g in store.named_graphs():
        if isinstance(g, ox.NamedNode) and in_default_graph(g.value):
            yield g


def upgrade_layout(store: ox.Store, chunk: int = 2_000) -> int:
    """Move study records kept as named graphs (the layout of an earlier trialkg) into the
    default graph; returns how many moved. One update per ``chunk`` records (``ADD`` then
    ``DROP``): an interruption leaves every record whole, and a re-run finishes the move."""
    moved = 0
    while True:
        graphs = [g for g, _ in zip(old_layout_graphs(store), range(chunk), strict=False)]
        if not graphs:
            return moved
        store.update(" ;\n".join(f"ADD {g} TO DEFAULT ; DROP GRAPH {g}" for g in graphs))
        moved += len(graphs)
