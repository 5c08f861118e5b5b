"""Ingest orchestration: read sources, write the store, report; opening stores for commands."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from trialkg.exceptions import StoreError
from trialkg.iris import GRAPH
from trialkg.sources import Item, iter_files, read_paths
from trialkg.store import (
    BATCH_SIZE,
    ONTOLOGY_GRAPH,
    IngestReport,
    TrialStore,
    default_store_path,
)
from trialkg.store.locking import LOCK_NAME, writer_pid

if TYPE_CHECKING:
    from trialkg.store.summary import SummaryTally

__all__ = [
    "after_ingest",
    "ingest_paths",
    "ingest_records",
    "open_for_reading",
    "open_for_writing",
    "resolve_graphs",
]


def open_for_writing(store_path: str | Path | None, *, wait: bool = False) -> TrialStore:
    """Open (creating) a writable store under its write lock; a new store gets the ontology.

    :raises StoreLockedError: another process is writing the store (unless ``wait``).
    """
    refuse_foreign_folder(Path(store_path) if store_path is not None else default_store_path())
    store = TrialStore.open(store_path, wait=wait)
    if not store.store.contains_named_graph(ox.NamedNode(ONTOLOGY_GRAPH)):
        store.load_ontology()
    return store


def refuse_foreign_folder(where: Path) -> None:
    """Stop before writing into a folder that holds files but no trialkg store.

    :raises StoreError: ``where`` is a non-empty folder without a store (left untouched).
    """
    if not where.is_dir() or TrialStore.exists(where):
        return
    others = sorted(p.name for p in where.iterdir() if p.name != LOCK_NAME)
    if others:
        raise StoreError(
            f"{where} is not a trialkg store and is not empty ({len(others):,} "
            f"entr{'y' if len(others) == 1 else 'ies'}, e.g. {others[0]!r}); nothing was "
            "written: give --store a new or empty folder")


def open_for_reading(store_path: str | Path | None) -> TrialStore:
    """The user's store read-only; the bundled graph in memory when there is no store.

    Readers never wait for a writer: they see the studies committed when they opened the
    store (a note on stderr says so when an ingest is running).
    """
    where = Path(store_path) if store_path is not None else default_store_path()
    if TrialStore.exists(where):
        pid = writer_pid(where)
        if pid is not None:
            who = f"pid {pid}" if pid > 0 else "another process"
            print(f"note: the store is being written by {who}; showing the studies committed "
                  "so far", file=sys.stderr)
        return TrialStore.open(where, read_only=True)
    if store_path is not None:
        raise StoreError(f"no store at {where} (run `trialkg ingest --store {where} ...`)")
    from trialkg.store.bundled import load_bundled

    return load_bundled()


def resolve_graphs(store: TrialStore, names: Iterable[str]) -> list[str]:
    """Graph IRIs from full IRIs or short forms (``mesh``, ``study/NCT…``, ``NCT…``)."""
    out = []
    for name in names:
        iri = name if "://" in name else GRAPH + (f"study/{name}" if name.startswith("NCT")
                                                  else name)
        if not store.has_graph(iri):
            raise StoreError(f"no named graph {iri} in the store (see `trialkg graphs`)")
        out.append(iri)
    return out


def ingest_paths(
    paths: list[Path],
    store_path: str | Path | None,
    *,
    progress: bool | None = None,
    wait: bool = False,
    batch_size: int | None = None,
    worker: bool | None = None,
    summary: bool = True,
) -> IngestReport:
    """Ingest files and directories into the store, with a progress bar on a terminal.

    Files are read one record at a time (JSON Lines line by line, zips member by member),
    so memory stays flat whatever the corpus size. Records are mapped in a worker process
    while this one loads the store (:mod:`trialkg.store.worker`) when ``worker`` is true,
    or, by default, for inputs big enough to gain from it. The summary counts are kept up to
    date from the studies written (:class:`trialkg.store.summary.SummaryTally`); with ``summary``
    false they are left marked stale instead, and the next ingest recounts every study.

    :raises StoreLockedError: another process is writing the store (unless ``wait``).
    """
    files = list(iter_files(paths))
    if not files:  # nothing to read: no store is created or opened
        return IngestReport()
    store = open_for_writing(store_path, wait=wait)
    try:
        show = sys.stderr.isatty() if progress is None else progress
        size = batch_size or BATCH_SIZE
        from trialkg.store.summary import SummaryTally, mark_stale
        from trialkg.store.worker import want_worker

        in_worker = want_worker(files, store, worker)
        summary_before = mark_stale(store)
        tally = SummaryTally.for_write(store, summary_before) if summary else None
        with _stop_on_ctrl_c() as stop:
            if not show:
                report = _ingest(store, files, size, stop, in_worker, tally)
            else:
                report = _ingest_with_progress(store, files, size, stop, in_worker, tally)
        after_ingest(store, report, summary_before, summarise=summary, tally=tally,
                     announce=_announce_recount if show else None)
    finally:
        store.close()
    return report


def ingest_records(
    store: TrialStore,
    items: Iterable[Item],
    *,
    batch_size: int | None = None,
    on_item: Callable[[Item], None] | None = None,
    summary: bool = True,
    announce: Callable[[], None] | None = None,
) -> IngestReport:
    """Ingest records from any iterator into an open store (what ``trialkg fetch`` does
    with the registry's pages): the batches, version checks, Ctrl-C handling and summary
    upkeep of :func:`ingest_paths`, mapping in this process. ``on_item`` sees every record.
    """
    from trialkg.store.summary import SummaryTally, mark_stale

    summary_before = mark_stale(store)
    tally = SummaryTally.for_write(store, summary_before) if summary else None
    with _stop_on_ctrl_c() as stop:
        report = store.ingest(items, on_item=on_item, batch_size=batch_size or BATCH_SIZE,
                              stop=stop, tally=tally)
    after_ingest(store, report, summary_before, summarise=summary, tally=tally,
                 announce=announce)
    return report


def _ingest(store: TrialStore, files: list[Path], batch_size: int, stop: threading.Event,
            in_worker: bool, tally: SummaryTally | None,
            on_file: Callable[[int], None] | None = None,
            on_record: Callable[[], None] | None = None) -> IngestReport:
    if in_worker:
        from trialkg.store.worker import ingest_files

        return ingest_files(store, files, batch_size=batch_size, stop=stop, on_file=on_file,
                            on_record=on_record, tally=tally)

    def items() -> Iterator[Item]:
        for n, path in enumerate(files, start=1):
            if on_file is not None:
                on_file(n)
            yield from read_paths([path])

    def tick(_item: Item) -> None:
        if on_record is not None:
            on_record()

    return store.ingest(items(), on_item=tick, batch_size=batch_size, stop=stop, tally=tally)


@contextmanager
def _stop_on_ctrl_c() -> Iterator[threading.Event]:
    """The first Ctrl-C sets the event (the ingest stops between records, with every
    committed batch kept); a second one interrupts at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(_signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _ingest_with_progress(store: TrialStore, files: list[Path], batch_size: int,
                          stop: threading.Event, in_worker: bool,
                          tally: SummaryTally | None) -> IngestReport:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} studies"),
        TextColumn("{task.fields[rate]}"),
        TextColumn("file {task.fields[file]}/{task.fields[files]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("ingesting", total=None, rate="", file=0, files=len(files))

        def on_file(n: int) -> None:
            bar.update(task, file=n, description=f"ingesting {files[n - 1].name}")

        def on_record() -> None:
            bar.advance(task)
            state = bar.tasks[0]
            elapsed = state.elapsed or 0.0
            if elapsed > 0:
                bar.update(task, rate=f"{state.completed / elapsed:,.0f} studies/s")

        return _ingest(store, files, batch_size, stop, in_worker, tally, on_file, on_record)


def _announce_recount() -> None:
    # The counts were not up to date before this write, so every study is read: minutes on
    # a large store, so say what runs.
    sys.stderr.write("recounting the summary counts (they were not up to date before this "
                     "ingest; every study is read) ...\n")


def after_ingest(store: TrialStore, report: IngestReport | None = None,
                 summary_before: str | None = None, *, summarise: bool = True,
                 tally: SummaryTally | None = None,
                 announce: Callable[[], None] | None = None) -> None:
    """Bring the shared graphs (entities, MeSH, summary) up to date with the studies.

    With a ``report``, this work is done only when it can have changed: after a study was
    replaced, orphaned entity descriptions are pruned and the MeSH ids in use recomputed; a
    loaded study with an id the MeSH graph does not describe yet refreshes it; the summary
    counts change when a study was written: by what the write's ``tally`` counted of the
    studies it touched, or by a recount of every study when there is no valid tally (the
    counts were not fresh before the write — ``summary_before``, from
    :func:`trialkg.store.summary.mark_stale`: stale after a write that was cut off, or missing);
    else their stale mark is taken off. Without a report (after ``remove``, in ``build``),
    always. ``announce`` is called before a full recount.
    """
    from trialkg.store.mesh_graph import refresh_mesh_graph
    from trialkg.store.summary import SummaryState, clear_stale, refresh_summary

    if report is None:  # `ingest` prunes after its own replacements
        store.prune_entities()
    if report is None or report.replaced or store.mesh_ids_missing(report.mesh_ids):
        refresh_mesh_graph(store)
    if report is None or report.loaded or summary_before != SummaryState.FRESH:
        if not summarise:
            return
        if tally is not None and tally.valid:
            tally.save()
        else:
            if announce is not None:
                announce()
            refresh_summary(store)
    else:
        clear_stale(store, summary_before)
