"""The store trialkg writes records into: :class:`StoreCore` plus the ingest of records.

:meth:`TrialStore.ingest` maps records in this process and commits them in
:class:`~trialkg.store.batch.Batch` transactions; :func:`trialkg.store.worker.ingest_files`
maps files in a worker process and commits them here with the same batches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from trialkg.exceptions import RecordError
from trialkg.model import Study
from trialkg.model.results import Evidence
from trialkg.store.batch import Batch, Prepared, prepare_record, record_key
from trialkg.store.core import BATCH_SIZE, StoreCore
from trialkg.store.report import IngestReport

if TYPE_CHECKING:
    from trialkg.store.summary import SummaryTally

__all__ = ["TrialStore"]


class TrialStore(StoreCore):
    """A trialkg dataset in Oxigraph: on disk for a user's store, in memory for tests."""

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

        This maps in the calling process; :func:`trialkg.store.worker.ingest_files` maps
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
                              outcome.mesh_ids, outcome.trial, outcome.counts, outcome.row)
                else:
                    report.count(outcome)
            batch.commit()
        except KeyboardInterrupt:
            report.interrupted = True
        self.finish_ingest(report)
        return report
