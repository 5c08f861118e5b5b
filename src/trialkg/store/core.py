"""The Oxigraph store: open, read, replace and remove graphs, describe (the ingest of
records is added by :class:`~trialkg.store.trialstore.TrialStore`).

Layout of the dataset:

* ``graph/ontology`` — the trialkg ontology;
* ``graph/mesh`` — the MeSH descriptors the studies use, with their ancestors;
* ``graph/entities``, ``graph/summary`` — descriptions many studies share, and the counts;
* ``graph/study/{id}`` — one record per study, holding its triples and provenance: kept in
  the store's default graph and found as one record by :mod:`trialkg.store.records`;
* ``graph/curated/…``, ``graph/evidence/…`` — curated additions and published evidence, one
  named graph per record.

Writes are transactional: a batch of new studies goes in with one bulk load (all or
nothing); a changed study is replaced by one SPARQL update that drops and re-inserts its
triples, so readers never see a half-written study and an interruption leaves each study
either fully in (old or new version) or fully out.

Concurrency: one writer at a time holds ``trialkg.lock`` in the store directory (see
:mod:`trialkg.store.locking`); a second writer fails with :class:`StoreLockedError` naming the
writer's pid, or waits with ``wait=True``. Readers open the store read-only, take no lock
and see the studies committed when they opened it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pyoxigraph as ox

from trialkg.exceptions import StoreError
from trialkg.iris import (
    GRAPH,
    PROV,
    STUDY_GRAPH_PREFIX,
    TKG,
    graph_iri,
    in_default_graph,
    study_graph_iri,
)
from trialkg.store.locking import WriteLock
from trialkg.store.opening import _open_read_only, _open_rocksdb
from trialkg.store.records import (
    default_records,
    drop_update,
    has_record,
    home,
    insert_data,
    old_layout_graphs,
    owned_subjects,
    record_quads,
    upgrade_layout,
)
from trialkg.store.report import IngestReport

if TYPE_CHECKING:
    from trialkg.store.search.index import TextIndex, Written

__all__ = [
    "BATCH_QUADS",
    "BATCH_SIZE",
    "MESH_GRAPH",
    "ONTOLOGY_GRAPH",
    "GraphInfo",
    "StoreCore",
    "default_store_path",
    "graph_kind",
]

ONTOLOGY_GRAPH = graph_iri("ontology")
#: Descriptions of nodes many studies share (organisations, conditions as worded), written
#: once: in each study graph they would come back once per study under the union graph.
ENTITIES_GRAPH = graph_iri("entities")
MESH_GRAPH = graph_iri("mesh")
#: The summary counts (:mod:`trialkg.store.summary`): they name organisations, but never keep one.
SUMMARY_GRAPH = graph_iri("summary")
_RECORD_VERSION = ox.NamedNode(TKG + "recordVersion")
_RECORD_DIGEST = ox.NamedNode(TKG + "recordDigest")
#: A batch is committed (one transaction) at this many studies or this many quads. Each
#: bulk-loaded batch lands in RocksDB as one new sorted file per index, which overlaps
#: everything stored (the keys are hashes) and is merged into it by compaction: the fewer
#: and larger the batches, the less the store is rewritten (benchmarks/store-write.md). A
#: batch stays under Oxigraph's bulk-load chunk, so that it is still one atomic ingestion.
BATCH_SIZE = 3_000
BATCH_QUADS = 900_000
#: Changed studies are replaced by one SPARQL update, whose text is parsed whole: a batch is
#: also committed when its replacements reach this many quads.
REPLACE_QUADS = 250_000
#: Oxigraph's bulk loader splits its input in chunks of this many quads (one atomic file
#: ingestion each); a batch must stay below it to be all or nothing.
_BULK_CHUNK = 1_000_000
_ANY_MESH = "*"


def default_store_path() -> Path:
    """The per-user store: ``$TRIALKG_STORE``, else the platform's user data directory."""
    env = os.environ.get("TRIALKG_STORE")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "trialkg" / "store"


@dataclass
class GraphInfo:
    """One named graph of the store, with what its provenance says about it."""

    iri: str
    kind: str
    triples: int
    version: str | None = None
    ingested: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        return {"graph": self.iri, "kind": self.kind, "triples": self.triples,
                "version": self.version, "ingested": self.ingested, "source": self.source}


def graph_kind(iri: str) -> str:
    """``study``, ``ontology``, ``mesh`` ...: the first path segment under the graph namespace.

    >>> graph_kind("https://w3id.org/trialkg/graph/study/NCT00122473")
    'study'
    """
    if not iri.startswith(GRAPH):
        return "other"
    return iri[len(GRAPH):].split("/", 1)[0] or "other"


#: The named graphs' counts and provenance, for the graphs bound by a VALUES clause put
#: first ({values}): Oxigraph then reads those graphs alone.
_GRAPH_COUNTS = ("SELECT ?g (COUNT(*) AS ?n) WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }} "
                 "GROUP BY ?g")
_GRAPH_PROVENANCE = f"PREFIX tkg: <{TKG}>" + """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?g (SAMPLE(?v) AS ?version) (SAMPLE(?t) AS ?time) (SAMPLE(?f) AS ?file) WHERE {{
  {values}
  GRAPH ?g {{
    {{ ?g tkg:recordVersion ?v }} UNION {{ ?g prov:generatedAtTime ?t }}
    UNION {{ ?g tkg:sourceFile ?f }} UNION {{ ?x owl:versionInfo ?v }}
  }}
}} GROUP BY ?g
"""

_S = TypeVar("_S", bound="StoreCore")


class StoreCore:
    """A trialkg dataset in Oxigraph: open, read, replace and remove graphs.

    :class:`~trialkg.store.trialstore.TrialStore` adds the ingest of records on top."""

    def __init__(self, store: ox.Store, path: Path | None = None, read_only: bool = False,
                 lock: WriteLock | None = None):
        self.store = store
        self.path = path
        self.read_only = read_only
        self._lock = lock
        #: The full-text index (:mod:`trialkg.store.search`): opened by the first write or search.
        self.text_index: TextIndex | None = None

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def memory(cls: type[_S]) -> _S:
        """A new empty in-memory store."""
        return cls(ox.Store())

    @classmethod
    def open(
        cls: type[_S], path: Path | str | None = None, *, read_only: bool = False,
        wait: bool = False,
    ) -> _S:
        """Open (creating it for writing) the store at ``path`` or the per-user default.

        A writer takes the store's write lock first; with ``wait`` it waits for another
        writer to finish instead of failing. Readers never wait.

        :raises StoreLockedError: another process is writing to the store (and not ``wait``).
        :raises StoreError: the store does not exist (read-only) or cannot be opened.
        """
        where = Path(path) if path is not None else default_store_path()
        if read_only:
            if not where.is_dir():
                raise StoreError(f"no store at {where} (run `trialkg ingest` first)")
            store = _open_read_only(where)
            if next(old_layout_graphs(store), None) is not None:
                raise StoreError(f"the store at {where} has the layout of an earlier trialkg "
                                 "(one named graph per study); the next write upgrades it in "
                                 f"place: run `trialkg ingest --store {where} FILES` once")
            return cls(store, where, read_only=True)
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store at {where}: {exc}") from None
        lock = WriteLock(where)
        lock.acquire(wait=wait)
        try:
            store = _open_rocksdb(where, wait)
            if next(old_layout_graphs(store), None) is not None:
                print(f"upgrading the store at {where}: study records move from named graphs "
                      "to the default graph (once; about as long as an ingest of them)",
                      file=sys.stderr)
                upgrade_layout(store)
            return cls(store, where, lock=lock)
        except BaseException:
            lock.release()
            raise

    def close(self) -> None:
        """Flush and release the write lock (the RocksDB files close with the object)."""
        if self.text_index is not None:
            self.text_index.close()
            self.text_index = None
        if self._lock is not None:
            self.flush()
            self.store = ox.Store()  # drop the last reference: RocksDB closes its files
            self._lock.release()
            self._lock = None

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def exists(path: Path | str | None = None) -> bool:
        """Whether an Oxigraph store has been created at ``path`` (or the default)."""
        where = Path(path) if path is not None else default_store_path()
        return (where / "CURRENT").is_file()

    def flush(self) -> None:
        if not self.read_only and self.path is not None:
            self.store.flush()

    # --- writing ---------------------------------------------------------------------

    def load_ontology(self) -> int:
        """(Re)load the ontology graph from every packaged module; returns its triples."""
        from trialkg.resources import ontology_files

        g = ox.NamedNode(ONTOLOGY_GRAPH)
        quads = [
            q
            for path in ontology_files()
            for q in _with_stable_blank_nodes(
                ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), path.stem, g
            )
        ]
        return self.replace_graph(ONTOLOGY_GRAPH, list(dict.fromkeys(quads)))

    def replace_graph_from_file(self, graph: str, path: Path) -> int:
        """Replace one named graph with the triples of an RDF file (format by extension)."""
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise StoreError(f"{path}: unknown RDF file extension")
        g = home(graph)
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, g)
            for q in ox.parse(path=str(path), format=fmt)
        ]
        return self.replace_graph(graph, quads)

    def replace_graph(self, graph: str, quads: list[ox.Quad]) -> int:
        """Atomically replace a named graph's content."""
        # One update (atomic). INSERT DATA relabels blank nodes (the ontology's OWL axioms);
        # exports canonicalise them, so the labels do not matter.
        if has_record(self.store, graph):
            self.store.update(replace_update(self.store, {graph: quads}))
        else:
            self.store.extend(quads)
        return len(quads)

    def prune_entities(self) -> int:
        """Drop shared-entity descriptions no record links to any more; returns how many.

        The summary's sponsor pairs do not count: a pair whose trials are gone is deleted
        by the same write.

        One atomic update; needed only after studies were replaced or removed.
        """
        graph = ox.NamedNode(ENTITIES_GRAPH)
        if not self.store.contains_named_graph(graph):
            return 0
        # counted in the entities graph alone: len(store) would read every quad of the store
        before = sum(1 for _ in self.store.quads_for_pattern(None, None, None, graph))
        self.store.update(
            f"DELETE {{ GRAPH <{ENTITIES_GRAPH}> {{ ?e ?p ?o }} }} WHERE {{ "
            f"GRAPH <{ENTITIES_GRAPH}> {{ ?e ?p ?o }} "
            f"FILTER NOT EXISTS {{ {{ ?s ?link ?e }} UNION {{ GRAPH ?g {{ ?s ?link ?e }} "
            f"FILTER(?g != <{ENTITIES_GRAPH}> && ?g != <{SUMMARY_GRAPH}>) }} }} }}"
        )
        return before - sum(1 for _ in self.store.quads_for_pattern(None, None, None, graph))

    def remove_studies(self, trial_ids: Iterable[str]) -> list[str]:
        """Remove studies by id; returns the ids that were present."""
        from trialkg.iris import trial_iri

        removed = []
        self.index_before_write()
        for tid in trial_ids:
            graph = study_graph_iri(tid)
            if has_record(self.store, graph):
                self.store.update(drop_update(self.store, [graph]))
                removed.append(tid)
        self.index_after_write([trial_iri(t) for t in removed])
        return removed

    # --- the full-text index ---------------------------------------------------------

    def index_before_write(self) -> None:
        """Before a commit that adds, changes or drops trials: the search index is marked
        stale (an in-memory store's is dropped, to be built again on first search)."""
        if self.path is None or self.read_only:
            if self.text_index is not None:
                self.text_index.close()
                self.text_index = None
            return
        from trialkg.store.search.upkeep import before_write

        self.text_index = before_write(self.store, self.path, self.text_index)

    def index_after_write(self, trials: Iterable[str],
                          written: Mapping[str, Written] | None = None,
                          *, fresh: bool = True) -> None:
        """After the commit: the index rows of these trials (IRIs) are read again, from the
        quads just ``written`` for a new study (trial IRI -> its record's quads), else from
        the store, and the index is marked fresh (unless ``fresh`` is false: another
        commit is still under way)."""
        if self.text_index is not None and self.path is not None:
            self.text_index.refresh(self.store, trials, written, fresh=fresh)

    def finish_ingest(self, report: IngestReport) -> None:
        """After the last batch: a replaced study may have been the last to name an entity."""
        if report.replaced:
            self.prune_entities()

    def stored_versions(self) -> dict[str, tuple[str | None, str | None]]:
        """Every record graph's stored version and digest (what :meth:`ingest` compares).

        Two index scans; an ingest that maps in a worker process hands this to the worker,
        which then skips unchanged records before mapping them, as :meth:`ingest` does.
        """
        out: dict[str, tuple[str | None, str | None]] = {}
        for q in self.store.quads_for_pattern(None, _RECORD_VERSION, None, None):
            if _is_provenance(q):
                out[lexical(q.subject)] = (lexical(q.object), None)
        for q in self.store.quads_for_pattern(None, _RECORD_DIGEST, None, None):
            if _is_provenance(q):
                version = out.get(lexical(q.subject), (None, None))[0]
                out[lexical(q.subject)] = (version, lexical(q.object))
        return out

    def _add_new(self, quads: list[ox.Quad] | bytes, count: int) -> None:
        """Add the quads of studies not yet in the store, in one atomic step.

        ``quads`` are terms, or N-Quads text (from a worker process) that Oxigraph parses.
        On disk, under the write lock, this uses Oxigraph's bulk loader: below its chunk
        size (1M quads) it writes one sorted file per index and ingests them all with one
        RocksDB ``IngestExternalFiles`` call, which is atomic across column families, and
        it skips the transaction log and memtables — several times faster than ``extend``.
        In memory (no lock, no files), ``extend``: one transaction.
        """
        if self._lock is not None and count < _BULK_CHUNK:
            if isinstance(quads, bytes):
                # Oxigraph's own N-Quads output: valid by construction, so no IRI checks.
                self.store.bulk_load(input=quads, format=ox.RdfFormat.N_QUADS, lenient=True)
            else:
                self.store.bulk_extend(quads)
        else:
            self.store.extend(as_quads(quads))

    def mesh_ids_missing(self, ids: Iterable[str]) -> bool:
        """Whether any of these MeSH ids has no description in the MeSH graph yet."""
        from trialkg.iris import mesh_iri

        g = ox.NamedNode(MESH_GRAPH)
        for ui in ids:
            if ui == _ANY_MESH:
                return True
            node = ox.NamedNode(mesh_iri(ui))
            if next(iter(self.store.quads_for_pattern(node, None, None, g)), None) is None:
                return True
        return False

    def _stored_version(self, graph: str) -> tuple[str | None, str | None]:
        g, where = ox.NamedNode(graph), home(graph)
        version = digest = None
        for q in self.store.quads_for_pattern(g, _RECORD_VERSION, None, where):
            version = lexical(q.object)
        for q in self.store.quads_for_pattern(g, _RECORD_DIGEST, None, where):
            digest = lexical(q.object)
        return version, digest

    # --- reading ---------------------------------------------------------------------

    def graph_infos(self, graphs: Iterable[str] | None = None,
                    kinds: Iterable[str] | None = None) -> list[GraphInfo]:
        """Every graph (or the given ones, or those of the given kinds) with kind, triples,
        version, ingest time and source file.

        The named graphs are counted by one aggregate query inside Oxigraph; a study record
        by reading what it owns (:mod:`trialkg.store.records`), so listing every study of a
        large store reads the whole store.
        """
        wanted = set(graphs) if graphs is not None else None
        kind_set = set(kinds) if kinds is not None else None
        named = [g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)
                 and (wanted is None or g.value in wanted)
                 and (kind_set is None or graph_kind(g.value) in kind_set)]
        values = "VALUES ?g { " + " ".join(f"<{g}>" for g in named) + " }"
        infos: dict[str, GraphInfo] = {}
        for row in self._select(_GRAPH_COUNTS.format(values=values)) if named else ():
            iri = lexical(row[0])
            infos[iri] = GraphInfo(iri, graph_kind(iri), int(lexical(row[1])))
        if kind_set is not None and "study" not in kind_set:
            defaults = []  # counting a study record reads its triples: skip the unwanted
        else:
            defaults = (default_records(self.store) if wanted is None
                        else [g for g in sorted(wanted) if in_default_graph(g)])
        for row in self._select(_GRAPH_PROVENANCE.format(values=values)) if named else ():
            info = infos.get(lexical(row[0]))
            if info is not None:
                info.version = lexical(row[1]) if row[1] is not None else None
                info.ingested = lexical(row[2]) if row[2] is not None else None
                info.source = lexical(row[3]) if row[3] is not None else None
        for iri in defaults:  # a study record: counted through what it owns; its provenance
            info = GraphInfo(iri, graph_kind(iri), 0)  # is on its first node, the record's
            for node, quads in owned_subjects(self.store, iri):
                info.triples += len(quads)
                if node.value == iri:
                    prov = {q.predicate.value: lexical(q.object) for q in quads}
                    info.version = prov.get(TKG + "recordVersion")
                    info.ingested = prov.get(PROV + "generatedAtTime")
                    info.source = prov.get(TKG + "sourceFile")
            if info.triples:
                infos[iri] = info
        return [infos[k] for k in sorted(infos)]

    def _select(self, query: str) -> Iterator[ox.QuerySolution]:
        solutions = self.store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        yield from solutions

    def named_graphs(self) -> list[str]:
        """Every graph of the dataset by name: the named graphs, and the study records
        that the store keeps in its default graph (``graph/study/NCT…``), which exports,
        pushes and ``trialkg graphs`` show as graphs of their own."""
        named = [g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)]
        return sorted([*named, *default_records(self.store)])

    def has_graph(self, graph: str) -> bool:
        """Whether the dataset has this graph (a named graph, or a study record)."""
        return has_record(self.store, graph)

    def study_ids(self) -> list[str]:
        return [g[len(STUDY_GRAPH_PREFIX):] for g in default_records(self.store)]

    def quads(self, graphs: Iterable[str] | None = None) -> Iterator[ox.Quad]:
        """Quads of the whole store as stored, or of the given graphs, each in its own
        named graph (a study record's triples under ``graph/study/NCT…``)."""
        if graphs is None:
            yield from self.store.quads_for_pattern(None, None, None, None)
            return
        for g in graphs:
            yield from record_quads(self.store, g)

    def triple_count(self, graphs: Iterable[str] | None = None) -> int:
        """How many quads the store, or these graphs, hold."""
        if graphs is None:
            return len(self.store)
        return sum(1 for _ in self.quads(graphs))

    def __len__(self) -> int:
        return len(self.store)


def as_quads(quads: list[ox.Quad] | bytes) -> list[ox.Quad]:
    if isinstance(quads, bytes):
        return list(ox.parse(quads, format=ox.RdfFormat.N_QUADS))
    return quads


def lexical(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else str(term.value)


def _with_stable_blank_nodes(
    triples: Iterable[ox.Triple], label: str, graph: ox.NamedNode
) -> Iterator[ox.Quad]:
    """Quads in ``graph`` whose blank nodes are named ``{label}_{n}`` in order of appearance.

    Parsers give blank nodes random labels; labels from the file's name and order make
    exports of the ontology reproducible.
    """
    prefix = re.sub(r"[^A-Za-z0-9]", "_", label)
    nodes: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term: ox.BlankNode) -> ox.BlankNode:
        return nodes.setdefault(term, ox.BlankNode(f"{prefix}_{len(nodes) + 1}"))

    for t in triples:
        s, o = t.subject, t.object
        yield ox.Quad(stable(s) if isinstance(s, ox.BlankNode) else s, t.predicate,
                      stable(o) if isinstance(o, ox.BlankNode) else o, graph)


def replace_update(store: ox.Store, graphs: dict[str, list[ox.Quad]]) -> str:
    """One SPARQL update that drops the given records and inserts their quads (atomic).

    A record's quads may also name another graph (the shared ``entities`` graph): they are
    inserted there, and that graph is not dropped.
    """
    drops = drop_update(store, graphs)
    insert = insert_data(q for qs in graphs.values() for q in qs)
    return f"{drops} ;\n{insert}" if drops else insert


def _is_provenance(q: ox.Quad) -> bool:
    """Whether a quad is about its own record: in the record's named graph, or a study
    record's in the default graph."""
    s = q.subject
    if not isinstance(s, ox.NamedNode):
        return False
    if isinstance(q.graph_name, ox.DefaultGraph):
        return in_default_graph(s.value)
    return s == q.graph_name
