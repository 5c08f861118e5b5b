"""A batch of records on their way into the store: prepared, counted, committed at once.

:func:`prepare_record` maps one record (or finds it unchanged or older than the stored one);
a :class:`Batch` gathers prepared records and commits them in one transaction: the new ones
with one bulk load, the changed ones with one drop-and-insert update. With a summary tally it
also counts what its studies change in the summary counts (:mod:`trialkg.store.summary`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from trialkg.exceptions import RecordError
from trialkg.iris import TKG
from trialkg.model import Study
from trialkg.model.results import Evidence
from trialkg.store.core import (
    _ANY_MESH,
    _RECORD_DIGEST,
    BATCH_QUADS,
    REPLACE_QUADS,
    StoreCore,
    as_quads,
    lexical,
    replace_update,
)
from trialkg.store.records import home
from trialkg.store.report import OLDER, UNCHANGED, IngestReport

if TYPE_CHECKING:
    from trialkg.mapping.terms import Term3
    from trialkg.store.search.index import IndexRow, Written
    from trialkg.store.summary import Counts, SummaryTally

__all__ = ["Batch", "Prepared", "prepare_record", "record_key"]

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CLINICAL_TRIAL = ox.NamedNode(TKG + "ClinicalTrial")


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
    #: (:func:`trialkg.store.summary.contribution` of its triples); None for evidence
    trial: str | None = None
    counts: Counts | None = None
    #: the study's full-text index row, made from its triples as they were mapped
    #: (:func:`trialkg.store.search.index.mapped_text`); None for evidence
    row: IndexRow | None = None


def record_key(item: Study | Evidence) -> tuple[str, str | None]:
    """The named graph a record goes to and its record version (None for evidence)."""
    from trialkg.mapping.results import evidence_graph_iri
    from trialkg.mapping.study import record_graph_iri

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
    from trialkg.mapping.results import evidence_quads
    from trialkg.mapping.study import date_literal, study_quads, study_text

    stored_version, stored_digest = stored
    if stored_version is not None and version:
        if version == stored_version:
            return UNCHANGED
        if version < stored_version:  # ISO dates compare as text
            return OLDER
    quads: list[ox.Quad] | bytes
    # a study's trial, what it adds to the summary and its index row
    counted: list[tuple[str, Counts, IndexRow | None]] = []

    def count_trial(trial: ox.NamedNode, triples: list[Term3], shared: list[Term3]) -> None:
        from trialkg.store.search.index import mapped_text
        from trialkg.store.summary import contribution, trial_facts

        counted.append((trial.value, contribution(trial_facts(trial.value, triples)),
                        mapped_text(trial, triples + shared)))

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
    trial, counts, row = counted[0] if counted else (None, None, None)
    return Prepared(graph, stored_digest is None, quads, count, stored_as, digest, mesh, trial,
                    counts, row)


class Batch:
    """Records waiting to be committed together, each batch one or two transactions.

    New graphs go in with one bulk load (:meth:`TrialStore._add_new`), changed ones with one
    drop-and-insert update. A record's quads are terms, or N-Quads text from a worker.
    """

    def __init__(self, store: StoreCore, report: IngestReport, size: int,
                 tally: SummaryTally | None = None, *, max_quads: int = BATCH_QUADS,
                 background: bool = False) -> None:
        self.store = store
        self.report = report
        self.size = size
        self.max_quads = max_quads
        self.tally = tally
        #: load a batch of new studies in a thread while the next one is gathered (an
        #: ingest that maps in a worker process); :meth:`finish` waits for the last one
        self.background = background
        self._load: _Load | None = None
        self.new: dict[str, list[ox.Quad] | bytes] = {}
        self.changed: dict[str, list[ox.Quad] | bytes] = {}
        self.counts: dict[str, int] = {}
        self.quads = 0
        self.replaced_quads = 0
        self.mesh_ids: set[str] = set()
        #: graph → (trial, what its record adds to the summary) for the study records
        self.trials: dict[str, tuple[str, Counts | None]] = {}
        #: graph → the study's index row, when its mapping made one
        self.rows: dict[str, IndexRow] = {}

    def __contains__(self, graph: str) -> bool:
        return graph in self.counts

    def add(self, graph: str, new: bool, quads: list[ox.Quad] | bytes, count: int,
            mesh_ids: Iterable[str], trial: str | None = None,
            counts: Counts | None = None, row: IndexRow | None = None) -> None:
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
            if row is not None:
                self.rows[graph] = row
        if (len(self.counts) >= self.size or self.quads >= self.max_quads
                or self.replaced_quads >= REPLACE_QUADS):
            self.commit()

    def commit(self) -> None:
        load = self._load
        if load is not None and (self.changed or not load.trials.isdisjoint(
                trial for trial, _ in self.trials.values())):
            # this batch reads or replaces what the load in flight writes: it goes first
            self._finish(fresh=False)
        if self.tally is None or not self.trials:
            self._commit()
            return
        from trialkg.store.summary import contribution, merge_counts, stored_facts

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
            if len(mapped) == 1 and counts is not None and described <= {home(graph)}:
                merge_counts(after, counts)
            else:
                reread.append(trial)
        self.tally.begin()
        self._commit(background=not reread)  # a trial read back needs its batch written
        for trial in reread:
            merge_counts(after, contribution(stored_facts(self.store, trial)))
        self.tally.apply(before, after)

    def _commit(self, background: bool = True) -> None:
        report = self.report
        trials = [trial for trial, _ in self.trials.values()]
        written: dict[str, Written] = {}
        if trials:
            self.store.index_before_write()
            # A new study is indexed from the row made as it was mapped, or from the N-Quads
            # text a worker sent (~0.5 ms a study), not from the store (several ms a study
            # after bulk loads).
            for graph, (trial, _) in self.trials.items():
                data = self.new.get(graph)
                if data is None:
                    continue
                row = self.rows.get(graph)
                if row is not None:
                    written[trial] = row
                elif isinstance(data, bytes):
                    written[trial] = data
        parts = list(self.new.values())
        if (self.background and background and parts and not self.changed
                and all(isinstance(p, bytes) for p in parts)):
            # One load at a time, in the store's write order; the last one's index rows
            # are written while this one loads (the index stays marked stale until the
            # last load is in: see finish()).
            data = b"".join(p for p in parts if isinstance(p, bytes))
            previous = self._load
            if previous is not None:
                previous.join()
            self._load = _Load(self.store, data, sum(self.counts.values()), len(self.new),
                               trials, written)
            report.mesh_ids |= self.mesh_ids
            self.discard()
            if previous is not None:
                self._done(previous, fresh=False)
            return
        if self._load is not None:
            self._finish(fresh=False)
        if self.new:
            count = sum(self.counts[g] for g in self.new)
            if all(isinstance(p, bytes) for p in parts):
                self.store._add_new(b"".join(p for p in parts if isinstance(p, bytes)), count)
            else:
                self.store._add_new([q for p in parts for q in as_quads(p)], count)
            report.loaded += len(self.new)
            report.triples += count
        if self.changed:
            self.store.store.update(replace_update(
                self.store.store, {g: as_quads(p) for g, p in self.changed.items()}))
            report.loaded += len(self.changed)
            report.replaced += len(self.changed)
            report.triples += sum(self.counts[g] for g in self.changed)
        report.mesh_ids |= self.mesh_ids
        self.discard()
        if trials:
            self.store.index_after_write(trials, written)

    def finish(self) -> None:
        """Wait for the load in flight (if any), count it and write its index rows; the
        index is then marked fresh. Every ingest that commits batches ends with this, also
        when it stops early (the load in flight is a committed batch).

        :raises OSError: the store could not write that batch.
        """
        if self._load is not None:
            self._finish(fresh=True)

    def settle(self) -> None:
        """Wait for the load in flight without raising (the caller is raising already)."""
        load, self._load = self._load, None
        if load is not None:
            try:
                load.join()
            except BaseException:
                pass

    def _finish(self, *, fresh: bool) -> None:
        load, self._load = self._load, None
        if load is not None:
            load.join()
            self._done(load, fresh=fresh)

    def _done(self, load: _Load, *, fresh: bool) -> None:
        """Count a load that has ended and write its index rows."""
        self.report.loaded += load.studies
        self.report.triples += load.count
        if load.trials:
            self.store.index_after_write(load.trials, load.written, fresh=fresh)

    def discard(self) -> None:
        self.trials.clear()
        self.rows.clear()
        self.new.clear()
        self.changed.clear()
        self.counts.clear()
        self.mesh_ids.clear()
        self.quads = 0
        self.replaced_quads = 0



class _Load:
    """One batch of new studies bulk-loaded by a thread (Oxigraph releases the GIL while it
    loads): the writer meanwhile takes the next records from the worker and writes the
    previous batch's index rows. The load is the same single atomic step as in the
    foreground, so a crash still leaves each study fully in or fully out."""

    def __init__(self, store: StoreCore, data: bytes, count: int, studies: int,
                 trials: list[str], written: Mapping[str, Written]) -> None:
        self.count = count
        self.studies = studies
        self.trials = set(trials)
        self.written = written
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(store, data),
                                        name="trialkg-load")
        self._thread.start()

    def _run(self, store: StoreCore, data: bytes) -> None:
        try:
            store._add_new(data, self.count)
        except BaseException as exc:  # raised in the writer's thread by join()
            self._error = exc

    def join(self) -> None:
        """Wait for the load to end; its error, if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error


def _digest_of(quads: list[ox.Quad]) -> str | None:
    """The ``tkg:recordDigest`` that :func:`~trialkg.mapping.study.study_quads` put first."""
    for q in quads:
        if q.predicate == _RECORD_DIGEST:
            return lexical(q.object)
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
