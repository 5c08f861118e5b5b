"""Opening a store's RocksDB files: the writer's open, and a reader's open while a writer works.

A reader can meet passing errors while a writer compacts or creates the store; they are
retried (:func:`is_transient_store_error`), and a writer that finds another's files locked
says who holds them (:func:`~trialkg.store.locking.locked_message`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox

from trialkg.exceptions import StoreError, StoreLockedError
from trialkg.store.locking import locked_message

__all__ = ["is_transient_store_error"]


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
