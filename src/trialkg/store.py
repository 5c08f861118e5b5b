"""The Oxigraph store: open, ingest studies atomically, remove, describe.

Layout of the dataset:

* ``graph/ontology`` — the trialkg ontology;
* ``graph/mesh`` — the MeSH descriptors the studies use, with their ancestors;
* ``graph/study/{id}`` — one graph per study, holding its triples and provenance.

Writes are transactional: a batch of new studies goes in with one ``extend`` (all or
nothing); a changed study is replaced by one SPARQL update that drops and re-inserts its
graph, so readers never see a half-written study and an interruption leaves each study
either fully in (old or new version) or fully out.

Concurrency: one writer at a time holds ``trialkg.lock`` in the store directory (see
:mod:`trialkg.locking`); a second writer fails with :class:`StoreLockedError` naming the
writer's pid, or waits with ``wait=True``. Readers open the store read-only, take no lock
and see the studies committed when they opened it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from trialkg.exceptions import RecordError, StoreError, StoreLockedError
from trialkg.iris import GRAPH, TKG, graph_iri, study_graph_iri
from trialkg.locking import WriteLock, locked_message
from trialkg.model import Study
from trialkg.results import Evidence

if TYPE_CHECKING:
    from trialkg.mapping import Term3
    from trialkg.search.index import TextIndex
    from trialkg.summary import Counts, SummaryTally

__all__ = [
    "BATCH_QUADS",
    "BATCH_SIZE",
    "MESH_GRAPH",
    "ONTOLOGY_GRAPH",
    "GraphInfo",
    "IngestReport",
    "TrialStore",
    "default_store_path",
    "graph_kind",
    "is_transient_store_error",
]

ONTOLOGY_GRAPH = graph_iri("ontology")
#: Descriptions of nodes many studies share (organisations, conditions as worded), written
#: once: in each study graph they would come back once per study under the union graph.
ENTITIES_GRAPH = graph_iri("entities")
MESH_GRAPH = graph_iri("mesh")
#: The summary counts (:mod:`trialkg.summary`): they name organisations, but never keep one.
SUMMARY_GRAPH = graph_iri("summary")
STUDY_GRAPH_PREFIX = GRAPH + "study/"
_RECORD_VERSION = ox.NamedNode(TKG + "recordVersion")
_RECORD_DIGEST = ox.NamedNode(TKG + "recordDigest")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CLINICAL_TRIAL = ox.NamedNode(TKG + "ClinicalTrial")
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
class IngestReport:
    """What one ingest did; ``errors`` holds one message per failed record or file."""

    loaded: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0
    failed: int = 0
    triples: int = 0
    errors: list[str] = field(default_factory=list)
    #: What reading noticed in records that still loaded (unknown enumeration values).
    warnings: list[str] = field(default_factory=list)
    #: MeSH ids used by the studies written (to decide whether the MeSH graph needs a
    #: refresh); ``"*"`` when a record of another kind was written.
    mesh_ids: set[str] = field(default_factory=set)
    #: Ctrl-C stopped the ingest; the counts cover the batches committed before it.
    interrupted: bool = False
    #: An error stopped the ingest (the worker process died); ``errors`` says which, and the
    #: counts cover the batches committed before it.
    aborted: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.aborted

    def count(self, outcome: str | RecordError) -> None:
        """Count a record that was not written: ``unchanged``, ``older`` or an error."""
        if isinstance(outcome, RecordError):
            self.failed += 1
            self.errors.append(str(outcome))
        elif outcome == UNCHANGED:
            self.unchanged += 1
        else:
            self.older += 1

    @property
    def records(self) -> int:
        """Records read, whatever became of them (0: the input held none)."""
        return self.loaded + self.unchanged + self.older + self.failed

    def summary(self) -> str:
        """One line, e.g. ``1 study loaded, 0 failed, 1,148 triples written``."""
        loaded = f"{self.loaded:,} {'study' if self.loaded == 1 else 'studies'} loaded"
        if self.replaced:
            loaded += f" ({self.replaced:,} replacing an earlier version)"
        parts = [loaded]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} unchanged")
        if self.older:
            parts.append(f"{self.older:,} older than the stored version (kept the stored one)")
        parts.append(f"{self.failed:,} failed")
        parts.append(f"{self.triples:,} triples written")
        text = ", ".join(parts)
        if self.interrupted:
            text = "interrupted: " + text + " (the batch in progress was discarded whole)"
        elif self.aborted:
            text = "stopped: " + text + " (the batch in progress was discarded whole)"
        return text


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


_GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_GRAPH_PROVENANCE = f"PREFIX tkg: <{TKG}>" + """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?g (SAMPLE(?v) AS ?version) (SAMPLE(?t) AS ?time) (SAMPLE(?f) AS ?file) WHERE {
  GRAPH ?g {
    { ?g tkg:recordVersion ?v } UNION { ?g prov:generatedAtTime ?t }
    UNION { ?g tkg:sourceFile ?f } UNION { ?x owl:versionInfo ?v }
  }
} GROUP BY ?g
"""


class TrialStore:
    """A trialkg dataset in Oxigraph: on disk for a user's store, in memory for tests."""

    def __init__(self, store: ox.Store, path: Path | None = None, read_only: bool = False,
                 lock: WriteLock | None = None):
        self.store = store
        self.path = path
        self.read_only = read_only
        self._lock = lock
        #: The full-text index (:mod:`trialkg.search`): opened by the first write or search.
        self.text_index: TextIndex | None = None

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def memory(cls) -> TrialStore:
        """A new empty in-memory store."""
        return cls(ox.Store())

    @classmethod
    def open(
        cls, path: Path | str | None = None, *, read_only: bool = False, wait: bool = False
    ) -> TrialStore:
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
            return cls(_open_read_only(where), where, read_only=True)
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store at {where}: {exc}") from None
        lock = WriteLock(where)
        lock.acquire(wait=wait)
        try:
            return cls(_open_rocksdb(where, wait), where, lock=lock)
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

    def __enter__(self) -> TrialStore:
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
        g = ox.NamedNode(graph)
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, g)
            for q in ox.parse(path=str(path), format=fmt)
        ]
        return self.replace_graph(graph, quads)

    def replace_graph(self, graph: str, quads: list[ox.Quad]) -> int:
        """Atomically replace a named graph's content."""
        g = ox.NamedNode(graph)
        # One update (atomic). INSERT DATA relabels blank nodes (the ontology's OWL axioms);
        # exports canonicalise them, so the labels do not matter.
        if self.store.contains_named_graph(g):
            self.store.update(_replace_update({graph: quads}))
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
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?link ?e }} "
            f"FILTER(?g != <{ENTITIES_GRAPH}> && ?g != <{SUMMARY_GRAPH}>) }} }}"
        )
        return before - sum(1 for _ in self.store.quads_for_pattern(None, None, None, graph))

    def remove_studies(self, trial_ids: Iterable[str]) -> list[str]:
        """Remove studies by id; returns the ids that were present."""
        from trialkg.iris import trial_iri

        removed = []
        self.index_before_write()
        for tid in trial_ids:
            g = ox.NamedNode(study_graph_iri(tid))
            if self.store.contains_named_graph(g):
                self.store.remove_graph(g)
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
        from trialkg.search.upkeep import before_write

        self.text_index = before_write(self.store, self.path, self.text_index)

    def index_after_write(self, trials: Iterable[str],
                          written: Mapping[str, Sequence[ox.Quad] | bytes] | None = None,
                          ) -> None:
        """After the commit: the index rows of these trials (IRIs) are read again, from the
        quads just ``written`` for a new study (trial IRI -> its record's quads), else from
        the store, and the index is marked fresh."""
        if self.text_index is not None and self.path is not None:
            self.text_index.refresh(self.store, trials, written)

    def ingest(
        self,
        items: Iterable[Study | Evidence | RecordError],
        *,
        on_item: Callable[[Study | Evidence | RecordError], None] | None = None,
        batch_size: int = BATCH_SIZE,
        stop: threading.Event | None = None,
        tally: SummaryTally | None = None,
    ) -> IngestReport:
        """Load studies and evidence records (replacing earlier versions); errors are counted.

        A study whose stored record version is the same (or newer) is skipped before it is
        mapped; one with another version, or no version, is mapped and then skipped if its
        digest equals the stored one. Studies are committed in batches: the new ones with
        one ``extend``, the changed ones with one drop-and-insert update, each a single
        transaction. When ``stop`` is set (the CLI sets it on Ctrl-C), or on a
        KeyboardInterrupt, the ingest stops before the next record: the batch in progress is
        dropped whole and the report (``interrupted``) counts what was committed.

        This maps in the calling process; :func:`trialkg.ingest_worker.ingest_files` maps
        files in a worker process and commits here with the same batches. With a ``tally``,
        each batch also counts what its studies change in the summary counts.
        """
        report = IngestReport()
        batch = Batch(self, report, batch_size, tally)
        try:
            for item in items:
                if stop is not None and stop.is_set():
                    report.interrupted = True
                    return report
                if on_item is not None:
                    on_item(item)
                if isinstance(item, RecordError):
                    report.failed += 1
                    report.errors.append(str(item))
                    continue
                report.warnings += getattr(item, "warnings", ())
                graph, version = record_key(item)
                if graph in batch:  # the same study twice in one batch
                    batch.commit()
                outcome = prepare_record(item, graph, version, self._stored_version(graph))
                if isinstance(outcome, Prepared):
                    batch.add(outcome.graph, outcome.new, outcome.quads, outcome.count,
                              outcome.mesh_ids, outcome.trial, outcome.counts)
                else:
                    report.count(outcome)
            batch.commit()
        except KeyboardInterrupt:
            report.interrupted = True
        self.finish_ingest(report)
        return report

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
            if q.subject == q.graph_name and isinstance(q.subject, ox.NamedNode):
                out[q.subject.value] = (_lexical(q.object), None)
        for q in self.store.quads_for_pattern(None, _RECORD_DIGEST, None, None):
            if q.subject == q.graph_name and isinstance(q.subject, ox.NamedNode):
                version = out.get(q.subject.value, (None, None))[0]
                out[q.subject.value] = (version, _lexical(q.object))
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
            self.store.extend(_as_quads(quads))

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
        g = ox.NamedNode(graph)
        version = digest = None
        for q in self.store.quads_for_pattern(g, _RECORD_VERSION, None, g):
            version = _lexical(q.object)
        for q in self.store.quads_for_pattern(g, _RECORD_DIGEST, None, g):
            digest = _lexical(q.object)
        return version, digest

    # --- reading ---------------------------------------------------------------------

    def graph_infos(self, graphs: Iterable[str] | None = None) -> list[GraphInfo]:
        """Every named graph (or the given ones) with kind, triples, version, time, source.

        Two aggregate queries over the whole store, evaluated inside Oxigraph.
        """
        wanted = set(graphs) if graphs is not None else None
        infos: dict[str, GraphInfo] = {}
        for row in self._select(_GRAPH_COUNTS):
            iri = _lexical(row[0])
            if wanted is None or iri in wanted:
                infos[iri] = GraphInfo(iri, graph_kind(iri), int(_lexical(row[1])))
        for row in self._select(_GRAPH_PROVENANCE):
            info = infos.get(_lexical(row[0]))
            if info is not None:
                info.version = _lexical(row[1]) if row[1] is not None else None
                info.ingested = _lexical(row[2]) if row[2] is not None else None
                info.source = _lexical(row[3]) if row[3] is not None else None
        return [infos[k] for k in sorted(infos)]

    def _select(self, query: str) -> Iterator[ox.QuerySolution]:
        solutions = self.store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        yield from solutions

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def study_ids(self) -> list[str]:
        return [g[len(STUDY_GRAPH_PREFIX):] for g in self.named_graphs()
                if g.startswith(STUDY_GRAPH_PREFIX)]

    def quads(self, graphs: Iterable[str] | None = None) -> Iterator[ox.Quad]:
        """Quads of the whole store or of the given named graphs, in store order."""
        if graphs is None:
            yield from self.store.quads_for_pattern(None, None, None, None)
            return
        for g in graphs:
            yield from self.store.quads_for_pattern(None, None, None, ox.NamedNode(g))

    def __len__(self) -> int:
        return len(self.store)


UNCHANGED = "unchanged"
OLDER = "older"


@dataclass
class Prepared:
    """One record mapped and due to be written: a new graph or a replacement."""

    graph: str
    new: bool
    #: The quads as terms, or as N-Quads text (:func:`prepare_record` with ``text``).
    quads: list[ox.Quad] | bytes
    count: int
    #: ``tkg:recordVersion`` and ``tkg:recordDigest`` as they will be stored.
    version: str | None
    digest: str | None
    mesh_ids: set[str]
    #: the trial a study record describes, and what it adds to the summary counts
    #: (:func:`trialkg.summary.contribution` of its triples); None for evidence
    trial: str | None = None
    counts: Counts | None = None


def record_key(item: Study | Evidence) -> tuple[str, str | None]:
    """The named graph a record goes to and its record version (None for evidence)."""
    from trialkg.mapping import record_graph_iri
    from trialkg.results_mapping import evidence_graph_iri

    if isinstance(item, Evidence):  # published evidence: a graph per record key
        return evidence_graph_iri(item.key), None
    return record_graph_iri(item), item.version


def prepare_record(
    item: Study | Evidence, graph: str, version: str | None,
    stored: tuple[str | None, str | None], *, text: bool = False,
) -> Prepared | str | RecordError:
    """What to do with one record, given the stored ``(version, digest)`` of its graph.

    :data:`UNCHANGED` or :data:`OLDER` when the stored version is the same or newer (decided
    before mapping: it costs nothing); otherwise the record is mapped, and is
    :data:`UNCHANGED` when its digest equals the stored one. A record the mapping cannot
    express gives a :class:`RecordError`. With ``text`` the quads come as N-Quads text,
    written without building a term for each (what an ingest worker sends).
    """
    from trialkg.mapping import date_literal, study_quads, study_text
    from trialkg.results_mapping import evidence_quads

    stored_version, stored_digest = stored
    if stored_version is not None and version:
        if version == stored_version:
            return UNCHANGED
        if version < stored_version:  # ISO dates compare as text
            return OLDER
    quads: list[ox.Quad] | bytes
    counted: list[tuple[str, Counts]] = []  # a study's trial, and what it adds to the summary

    def count_trial(trial: ox.NamedNode, triples: list[Term3]) -> None:
        from trialkg.summary import contribution, trial_facts

        counted.append((trial.value, contribution(trial_facts(trial.value, triples))))

    try:
        if isinstance(item, Evidence):
            quads = evidence_quads(item)
            count, digest = len(quads), _digest_of(quads)
            if text:
                quads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        elif text:
            quads, count, digest = study_text(item, sink=count_trial)
        else:
            quads = study_quads(item, sink=count_trial)
            count, digest = len(quads), _digest_of(quads)
    except (ValueError, TypeError) as exc:  # a record the mapping cannot express
        where = ((item.record, item.key) if isinstance(item, Evidence)
                 else (item.source, item.record or item.trial_id))
        return RecordError(f"cannot map record: {exc}", source=where[0], record=where[1])
    if stored_digest is not None and digest == stored_digest:
        return UNCHANGED
    if isinstance(item, Study):
        mesh = _mesh_ids(item)
        # what the provenance holds: tkg:recordVersion, as mapping.study_quads writes it
        stored_as = date_literal(item.version).value if item.version else None
    else:  # evidence links MeSH its own way (the MeSH refresh decides); it has no version
        mesh, stored_as = {_ANY_MESH}, None
    trial, counts = counted[0] if counted else (None, None)
    return Prepared(graph, stored_digest is None, quads, count, stored_as, digest, mesh, trial,
                    counts)


class Batch:
    """Records waiting to be committed together, each batch one or two transactions.

    New graphs go in with one bulk load (:meth:`TrialStore._add_new`), changed ones with one
    drop-and-insert update. A record's quads are terms, or N-Quads text from a worker.
    """

    def __init__(self, store: TrialStore, report: IngestReport, size: int,
                 tally: SummaryTally | None = None, *, max_quads: int = BATCH_QUADS) -> None:
        self.store = store
        self.report = report
        self.size = size
        self.max_quads = max_quads
        self.tally = tally
        self.new: dict[str, list[ox.Quad] | bytes] = {}
        self.changed: dict[str, list[ox.Quad] | bytes] = {}
        self.counts: dict[str, int] = {}
        self.quads = 0
        self.replaced_quads = 0
        self.mesh_ids: set[str] = set()
        #: graph → (trial, what its record adds to the summary) for the study records
        self.trials: dict[str, tuple[str, Counts | None]] = {}

    def __contains__(self, graph: str) -> bool:
        return graph in self.counts

    def add(self, graph: str, new: bool, quads: list[ox.Quad] | bytes, count: int,
            mesh_ids: Iterable[str], trial: str | None = None,
            counts: Counts | None = None) -> None:
        """Add one record (the caller commits first if its graph is pending already).

        The batch is committed first if this record would take it over ``max_quads``
        (:data:`BATCH_QUADS`), so a batch only exceeds it when one record alone does.
        """
        if self.counts and self.quads + count > self.max_quads:
            self.commit()
        (self.new if new else self.changed)[graph] = quads
        self.counts[graph] = count
        self.quads += count
        if not new:
            self.replaced_quads += count
        self.mesh_ids.update(mesh_ids)
        if trial is not None:
            self.trials[graph] = (trial, counts)
        if (len(self.counts) >= self.size or self.quads >= self.max_quads
                or self.replaced_quads >= REPLACE_QUADS):
            self.commit()

    def commit(self) -> None:
        if self.tally is None or not self.trials:
            self._commit()
            return
        from trialkg.summary import contribution, merge_counts, stored_facts

        # What the touched trials contribute to the summary counts before and after. A
        # trial that only this record describes (the usual case) counts as its mapping said;
        # one also described by other graphs (a curated addition) is read from the store.
        records: dict[str, list[tuple[str, Counts | None]]] = {}
        for graph, (trial, counts) in self.trials.items():
            records.setdefault(trial, []).append((graph, counts))
        before: Counts = {}
        after: Counts = {}
        reread: list[str] = []
        for trial, mapped in records.items():
            described = {q.graph_name for q in self.store.store.quads_for_pattern(
                ox.NamedNode(trial), _TYPE, _CLINICAL_TRIAL, None)}
            if described:
                merge_counts(before, contribution(stored_facts(self.store, trial)))
            graph, counts = mapped[0]
            if len(mapped) == 1 and counts is not None and described <= {ox.NamedNode(graph)}:
                merge_counts(after, counts)
            else:
                reread.append(trial)
        self.tally.begin()
        self._commit()
        for trial in reread:
            merge_counts(after, contribution(stored_facts(self.store, trial)))
        self.tally.apply(before, after)

    def _commit(self) -> None:
        report = self.report
        trials = [trial for trial, _ in self.trials.values()]
        if trials:
            self.store.index_before_write()
            # New studies from a worker come as N-Quads text: their index rows are read from
            # it (~1 ms a study), not from the store (several ms a study after bulk loads).
            written = {trial: data for graph, (trial, _) in self.trials.items()
                       if isinstance(data := self.new.get(graph), bytes)}
        if self.new:
            parts = list(self.new.values())
            count = sum(self.counts[g] for g in self.new)
            if all(isinstance(p, bytes) for p in parts):
                self.store._add_new(b"".join(p for p in parts if isinstance(p, bytes)), count)
            else:
                self.store._add_new([q for p in parts for q in _as_quads(p)], count)
            report.loaded += len(self.new)
            report.triples += count
        if self.changed:
            self.store.store.update(_replace_update(
                {g: _as_quads(p) for g, p in self.changed.items()}))
            report.loaded += len(self.changed)
            report.replaced += len(self.changed)
            report.triples += sum(self.counts[g] for g in self.changed)
        report.mesh_ids |= self.mesh_ids
        self.discard()
        if trials:
            self.store.index_after_write(trials, written)

    def discard(self) -> None:
        self.trials.clear()
        self.new.clear()
        self.changed.clear()
        self.counts.clear()
        self.mesh_ids.clear()
        self.quads = 0
        self.replaced_quads = 0


def _as_quads(quads: list[ox.Quad] | bytes) -> list[ox.Quad]:
    if isinstance(quads, bytes):
        return list(ox.parse(quads, format=ox.RdfFormat.N_QUADS))
    return quads


def _lexical(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
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


def _digest_of(quads: list[ox.Quad]) -> str | None:
    """The ``tkg:recordDigest`` that :func:`~trialkg.mapping.study_quads` put first."""
    for q in quads:
        if q.predicate == _RECORD_DIGEST:
            return _lexical(q.object)
    return None


def _mesh_ids(study: Study) -> set[str]:
    """Every MeSH UI a mapped study links to (trialkg's links at ingest included: the mapping
    fills them in)."""
    ids = {m.ui for m in study.condition_mesh}
    ids.update(m.ui for m in study.intervention_mesh)
    ids.update(m.ui for m in study.condition_mesh_ancestors)
    ids.update(m.ui for m in study.intervention_mesh_ancestors)
    ids.update(m.ui for m in (*study.condition_mesh_linked, *study.intervention_mesh_linked))
    for iv in study.interventions:
        ids.update(m.ui for m in iv.mesh)
    return ids


#: RocksDB errors a reader can meet while a writer works: a compaction deleted a file between
#: the moment the reader read the file list and the moment it opened the file, or the writer
#: is still creating the store (its column families).
_TRANSIENT = ("No such file", "Corruption", "Column family not found")


#: What pyoxigraph (0.5) says when a read-only reader opens a store that its writer has created
#: but not yet stamped with its storage version: the reader would have to write the stamp.
_NOT_YET_STAMPED = "Inserts are only possible on read-write instances"


def is_transient_store_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the errors a read-only reader meets while a writer works."""
    if not isinstance(exc, (OSError, RuntimeError)):
        return False
    text = str(exc)
    if _NOT_YET_STAMPED in text:
        return True
    from_rocksdb = any(m in text for m in ("IO error:", "Corruption:", "Column family"))
    return from_rocksdb and any(m in text for m in _TRANSIENT)


def _open_read_only(where: Path, attempts: int = 10) -> ox.Store:
    """Open read-only, retrying briefly on the transient errors of a concurrent writer."""
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(where))
        except (OSError, RuntimeError) as exc:
            text = str(exc)
            if attempt + 1 < attempts and is_transient_store_error(exc):
                time.sleep(0.1 * (attempt + 1))
                continue
            raise StoreError(f"cannot open the store at {where}: {text.splitlines()[0]}"
                             ) from None
    raise AssertionError("unreachable")


def _open_rocksdb(where: Path, wait: bool) -> ox.Store:
    """Open the store read-write; RocksDB's own lock catches writers that are not trialkg."""
    while True:
        try:
            return ox.Store(str(where))
        except OSError as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the store at {where}: {exc}") from None
            if not wait:
                raise StoreLockedError(locked_message(where)) from None
            time.sleep(0.5)


def _replace_update(graphs: dict[str, list[ox.Quad]]) -> str:
    """One SPARQL update that drops the given graphs and inserts their quads (atomic).

    A record's quads may also name another graph (the shared ``entities`` graph): they are
    inserted there, and that graph is not dropped.
    """
    drops = "\n".join(f"DROP SILENT GRAPH <{g}> ;" for g in graphs)
    by_graph: dict[str, list[str]] = {}
    for qs in graphs.values():
        for q in qs:
            name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            by_graph.setdefault(name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    body = "\n".join(f"GRAPH <{g}> {{\n" + "\n".join(lines) + "\n}"
                     for g, lines in by_graph.items())
    return f"{drops}\nINSERT DATA {{\n{body}\n}}"
