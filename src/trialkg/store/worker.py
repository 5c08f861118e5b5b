"""Mapping in a worker process while the writing process loads the store.

Reading, parsing and mapping records is Python work; loading their quads is Oxigraph's (Rust)
work. :func:`ingest_files` starts one worker (:func:`main`, in a new interpreter) that reads
the input files and maps every record, while the calling process, which holds the store's
write lock, commits what the worker sends in the same batches as
:meth:`~trialkg.store.TrialStore.ingest`: mapping the next records overlaps with loading
the last ones.

The worker gets the files and the stored ``(version, digest)`` of every record graph
(:meth:`~trialkg.store.TrialStore.stored_versions`), so it skips an unchanged record before
mapping it, exactly as the in-process path does, and keeps that table up to date with what
it sends (the same study twice in one input). Per record it sends one message: the graph,
whether it is new, and its quads as N-Quads text (which Oxigraph's bulk loader parses in
Rust), or ``unchanged``/``older``, or the record's error.

What does not change: every batch is one atomic commit, so after Ctrl-C, a crash or SIGKILL
each study is fully in or fully out; the first Ctrl-C stops between records (the worker,
in its own session, never sees the terminal's Ctrl-C: the writer stops it). Memory stays
flat: the worker reads one record at a time and buffers at most :data:`BUFFER_FRAMES`
frames of about :data:`FRAME_BYTES` ahead of the writer. If the worker dies or fails, the
writer discards the batch in progress and reports it (``IngestReport.aborted``); it never
waits for a worker that is gone.

Wire format, worker to writer: frames of an 8-byte big-endian length and a pickled list of
messages; the writer's one pickle on the worker's stdin holds the files and the table.
"""

from __future__ import annotations

import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from trialkg.exceptions import RecordError
from trialkg.iris import STUDY_GRAPH_PREFIX
from trialkg.store import BATCH_QUADS, Batch, IngestReport, Prepared, TrialStore

if TYPE_CHECKING:
    from trialkg.store.summary import SummaryTally

__all__ = ["BUFFER_FRAMES", "FRAME_BYTES", "WORKER_FROM_BYTES", "ingest_files", "want_worker"]

#: Inputs at least this big (in total) are mapped in a worker; smaller ones in process, where
#: starting a second interpreter would cost more than the overlap gains.
WORKER_FROM_BYTES = 2 * 1024 * 1024
#: The worker sends a frame when it holds this much N-Quads text (or 0.2 s have passed) ...
FRAME_BYTES = 1024 * 1024
#: ... and stops mapping while this many frames wait for the writer: enough for most of a
#: batch (:data:`~trialkg.store.BATCH_QUADS`, about 190 MB of text for registry-shaped
#: studies), so that the worker maps the next batch while the writer loads this one.
BUFFER_FRAMES = 128
_FLUSH_SECONDS = 0.2
#: When the worker has nothing ready, the writer commits what it holds rather than wait idle,
#: if that is at least this many quads, or half what it has committed so far (up to a full
#: batch): loading overlaps mapping from the first seconds, and in a long ingest the batches
#: stay large (fewer, bigger files for RocksDB). When loading is the slower side, batches
#: fill up anyway.
IDLE_COMMIT_QUADS = 25_000
_HEADER = struct.Struct(">Q")
_IDLE: tuple[Any, ...] = ("idle",)
_POLL_SECONDS = 0.2

Message = tuple[Any, ...]
#: The worker's command: the writer's own module search path, so that it runs the same
#: trialkg (a source checkout, a test's path), then :func:`main`.
_BOOT = "import sys; sys.path[:] = sys.argv[1:]; from trialkg.store.worker import main; main()"


def want_worker(files: list[Path], store: TrialStore, worker: bool | None = None) -> bool:
    """Whether to map in a worker: as asked, else for an on-disk store, a machine with more
    than one CPU, and inputs of :data:`WORKER_FROM_BYTES` or more."""
    if worker is not None:
        return worker
    if store.path is None or store.read_only or os.name != "posix":
        return False
    if (os.cpu_count() or 1) < 2:
        return False
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total >= WORKER_FROM_BYTES


# --- the writing process -------------------------------------------------------------------


class WorkerDied(Exception):
    """The worker process ended without finishing, or reported an error it cannot skip."""


def ingest_files(
    store: TrialStore,
    files: list[Path],
    *,
    batch_size: int,
    stop: threading.Event | None = None,
    on_file: Callable[[int], None] | None = None,
    on_record: Callable[[], None] | None = None,
    tally: SummaryTally | None = None,
) -> IngestReport:
    """Ingest files with the mapping in a worker process; the report of
    :meth:`~trialkg.store.TrialStore.ingest` for the same files.

    ``on_file(n)`` is called when the worker starts the n-th file (from 1), ``on_record()``
    once per record read (loaded, skipped or failed).
    """
    report = IngestReport()
    # new studies are loaded by a thread while the next batch comes in (Batch.finish waits)
    batch = Batch(store, report, batch_size, tally, background=True)
    try:
        with _Worker(files, store.stored_versions()) as worker:
            for message in worker.messages(stop):
                if message is None or (stop is not None and stop.is_set()):
                    report.interrupted = True
                    batch.finish()
                    return report
                kind = message[0]
                if kind == "idle":  # the worker is behind: load what is here meanwhile
                    if batch.quads >= max(IDLE_COMMIT_QUADS,
                                          min(BATCH_QUADS, report.triples // 2)):
                        batch.commit()
                    continue
                if kind == "file":
                    if on_file is not None:
                        on_file(message[1])
                    continue
                if kind == "done":
                    batch.commit()
                    batch.finish()
                    break
                if kind == "fatal":
                    raise WorkerDied(message[1])
                if kind == "warning":
                    report.warnings.append(message[1])
                    continue
                if on_record is not None:
                    on_record()
                if kind == "write":
                    _, graph, new, data, count, mesh_ids, trial, counts, row = message
                    if graph in batch:  # the same study twice in one batch
                        batch.commit()
                    batch.add(graph, new, data, count, mesh_ids, trial, counts, row)
                elif kind == "error":
                    report.count(RecordError(message[1]))
                else:
                    report.count(kind)
    except KeyboardInterrupt:
        report.interrupted = True
        batch.finish()  # the batch in flight is committed: it is counted, and indexed
        return report
    except WorkerDied as exc:
        batch.discard()
        batch.finish()
        report.aborted = True
        report.errors.append(str(exc))
    except BaseException:
        batch.settle()  # an unexpected error: the load in flight still ends before it shows
        raise
    store.finish_ingest(report)
    return report


class _Worker:
    """The worker process and its pipes; leaving the context always ends it."""

    def __init__(self, files: list[Path], known: dict[str, tuple[str | None, str | None]]):
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, *sys.path],  # this process's trialkg, as spawn does
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            bufsize=0, start_new_session=True,  # the terminal's Ctrl-C is for the writer
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._out = self._proc.stdout.fileno()
        config = pickle.dumps({"files": [str(f) for f in files], "known": known},
                              protocol=pickle.HIGHEST_PROTOCOL)
        try:
            view = memoryview(config)
            while view:
                view = view[os.write(self._proc.stdin.fileno(), view[:FRAME_BYTES]):]
            self._proc.stdin.close()
        except OSError:  # it died at start: messages() reports how
            pass
        except BaseException:  # Ctrl-C twice while starting: leave no worker behind
            self.__exit__()
            raise

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                pipe.close()
        self._stderr.close()

    def messages(self, stop: threading.Event | None) -> Iterator[Message | None]:
        """The worker's messages in order; ``("idle",)`` before waiting for the next
        frame, None when ``stop`` is set while waiting.

        :raises WorkerDied: the worker ended before its ``done`` message.
        """
        while True:
            if not select.select([self._out], [], [], 0)[0]:
                yield _IDLE
            while not select.select([self._out], [], [], _POLL_SECONDS)[0]:
                if stop is not None and stop.is_set():
                    yield None
                    return
            header = self._read(_HEADER.size)
            frame = self._read(_HEADER.unpack(header)[0])
            yield from pickle.loads(frame)

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self._out, min(size, 1 << 24))
            if not chunk:
                raise WorkerDied(self._death())
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        try:
            code = self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            how = "closed its output"
        elif code < 0:
            try:
                how = f"was killed by signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        text = f"the ingest worker process {how} before the end of the input"
        self._stderr.seek(0)
        lines = [x for x in self._stderr.read().decode(errors="replace").splitlines()
                 if x.strip()]
        return f"{text} ({lines[-1].strip()})" if lines else text


# --- the worker process --------------------------------------------------------------------


class _Sender:
    """Frames of messages, written to the writer by a thread so that mapping goes on while
    the writer loads (up to :data:`BUFFER_FRAMES` frames ahead)."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=BUFFER_FRAMES)
        self._pending: list[Message] = []
        self._size = 0
        self._since = time.monotonic()
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def send(self, message: Message, size: int = 0) -> None:
        self._pending.append(message)
        self._size += size
        if self._size >= FRAME_BYTES or time.monotonic() - self._since >= _FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._frames.put(pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL))
        self._pending = []
        self._size = 0
        self._since = time.monotonic()

    def close(self) -> None:
        self.flush()
        self._frames.put(None)
        self._thread.join()

    def _write(self) -> None:
        parent = os.getppid()
        while True:
            try:
                frame = self._frames.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:  # the writer was killed while we read a slow input
                    os._exit(0)
                continue
            if frame is None:
                return
            try:
                self._out.write(_HEADER.pack(len(frame)))
                self._out.write(frame)
                self._out.flush()
            except OSError:  # the writer is gone (killed, or stopped us): nothing to do
                os._exit(0)


#: Records mapped before the long-lived objects (the MeSH linker's indexes, the table of
#: stored versions) are set aside from the garbage collector (:func:`_settle_gc`).
_SETTLE_AFTER = 200


def _settle_gc() -> None:
    """Set what the worker has built so far aside from the cyclic garbage collector, and
    collect the young generation less often: mapping makes millions of short-lived tuples,
    and each collection otherwise walks the linker's indexes again (about a tenth of the
    worker's CPU time). Reference counting still frees everything a record leaves."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


class _Known:
    """The ``(version, digest)`` the store holds, or will hold, for each record graph, kept
    as one short string per study (about 220 bytes an entry instead of 360: 85 MB less for
    the 600,000 studies of the whole registry, which the worker adds one by one). It takes
    the writer's table entry by entry, emptying it, so the two are never both held whole."""

    __slots__ = ("_entries",)

    def __init__(self, known: dict[str, tuple[str | None, str | None]]) -> None:
        self._entries: dict[str, str] = {}
        for graph in list(known):
            self[graph] = known.pop(graph)

    @staticmethod
    def _key(graph: str) -> str:
        return graph[len(STUDY_GRAPH_PREFIX):] if graph.startswith(STUDY_GRAPH_PREFIX) else graph

    def __setitem__(self, graph: str, value: tuple[str | None, str | None]) -> None:
        self._entries[self._key(graph)] = "\x1f".join("\x00" if x is None else x for x in value)

    def get(self, graph: str) -> tuple[str | None, str | None]:
        found = self._entries.get(self._key(graph))
        if found is None:
            return (None, None)
        version, digest = found.split("\x1f")
        return (None if version == "\x00" else version, None if digest == "\x00" else digest)


def _work(files: list[str], known_versions: dict[str, tuple[str | None, str | None]],
          sender: _Sender, where: list[str]) -> None:
    from pyoxigraph import RdfFormat, serialize

    from trialkg.sources import read_paths
    from trialkg.store import prepare_record, record_key

    known = _Known(known_versions)
    mapped = 0
    for n, name in enumerate(files, start=1):
        sender.send(("file", n))
        where[0] = name
        for item in read_paths([Path(name)]):
            if isinstance(item, RecordError):
                sender.send(("error", str(item)))
                continue
            for warning in getattr(item, "warnings", ()):
                sender.send(("warning", warning))
            graph, version = record_key(item)
            where[0] = graph
            outcome = prepare_record(item, graph, version, known.get(graph), text=True)
            if isinstance(outcome, Prepared):
                mapped += 1
                if mapped == _SETTLE_AFTER:
                    _settle_gc()
                known[graph] = (outcome.version, outcome.digest)  # what the store will hold
                data = outcome.quads
                if not isinstance(data, bytes):
                    data = serialize(data, format=RdfFormat.N_QUADS) or b""
                sender.send(("write", graph, outcome.new, data, outcome.count,
                             sorted(outcome.mesh_ids), outcome.trial, outcome.counts,
                             outcome.row), len(data))
            elif isinstance(outcome, RecordError):
                sender.send(("error", str(outcome)))
            else:
                sender.send((outcome,))


def main() -> None:
    """The worker: read the writer's pickle on stdin, send frames on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    where = [""]
    try:
        config = pickle.load(sys.stdin.buffer)
    except Exception:  # the writer went away before it said what to do
        return
    sender = _Sender(out)
    try:
        _work(config["files"], config["known"], sender, where)
        sender.send(("done",))
    except BaseException as exc:  # reported to the writer, which stops and says so
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        place = f" on {where[0]}" if where[0] else ""
        sender.send(("fatal", f"the ingest worker failed{place}: {what}"))
    sender.close()


if __name__ == "__main__":
    main()
