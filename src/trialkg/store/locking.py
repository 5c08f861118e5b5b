"""The store's write lock: one writer at a time, readers never wait.

Oxigraph (RocksDB) already refuses a second read-write open of a store directory, but with an
obscure I/O error. trialkg's writers first take an advisory lock (``fcntl.flock``) on
``trialkg.lock`` inside the store directory and write their pid into it, so that a second
writer can say who holds the store and, with ``--wait``, block until it is free. The lock
goes away with the process, whatever way it ends (Ctrl-C, a crash, SIGKILL): there is no
stale lock to clean up.

Readers take no lock. They open the store read-only and see the studies committed when they
opened it; every commit is one atomic RocksDB write, so never half a study.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import IO

from trialkg.exceptions import StoreLockedError

try:  # POSIX; elsewhere RocksDB's own LOCK file still keeps a second writer out
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "WriteLock", "locked_message", "waiting_message", "writer_pid"]

LOCK_NAME = "trialkg.lock"


class WriteLock:
    """An exclusive advisory lock on ``<store>/trialkg.lock``, holding the writer's pid."""

    def __init__(self, store_dir: Path) -> None:
        self.path = Path(store_dir) / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self, *, wait: bool = False, poll: float = 0.2) -> None:
        """Take the lock, or wait for it with ``wait=True``.

        Without ``wait`` it still retries for half a second, so that a reader's brief
        probe (:func:`writer_pid`) is never mistaken for a writer.

        :raises StoreLockedError: another process holds it and ``wait`` is false.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # held until release
        if fcntl is not None:
            give_up = time.monotonic() + 0.5
            announced = False
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not wait and time.monotonic() > give_up:
                        handle.close()
                        raise StoreLockedError(locked_message(self.path.parent)) from None
                    if wait and not announced and time.monotonic() > give_up:
                        announced = True  # --wait says once what it waits for
                        print(waiting_message(self.path.parent), file=sys.stderr, flush=True)
                    time.sleep(poll if wait else 0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None


def writer_pid(store_dir: Path) -> int | None:
    """The pid of the process writing the store now, or None when no one is."""
    path = Path(store_dir) / LOCK_NAME
    if fcntl is None or not path.exists():
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = handle.read().strip()
                return int(text) if text.isdigit() else -1
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError:
        return None
    return None


def waiting_message(store_dir: Path) -> str:
    pid = writer_pid(store_dir)
    who = f"pid {pid}" if pid and pid > 0 else "another process"
    return f"waiting for {who} to finish writing the store at {store_dir} ..."


def locked_message(store_dir: Path) -> str:
    pid = writer_pid(store_dir)
    who = f"pid {pid}" if pid and pid > 0 else "another process"
    return (f"the store at {store_dir} is being written by {who}; "
            "wait for it to finish or use --wait")
