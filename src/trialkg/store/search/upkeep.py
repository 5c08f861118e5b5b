"""Keeping a store's full-text index in step with its writes, and opening it to search.

A writer calls :func:`before_write` before each commit and then
:meth:`~trialkg.store.search.index.TextIndex.refresh` with the trials it touched
(:class:`trialkg.store.TrialStore` does both where a batch or a removal commits, so every
write path gets it). A reader calls :func:`index_for`.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from trialkg.exceptions import SearchError
from trialkg.store.search.index import FRESH, INDEX_FILE, TextIndex

__all__ = ["before_write", "index_for"]


class IndexedStore(Protocol):
    """What the index needs of a :class:`trialkg.store.TrialStore`."""

    store: ox.Store
    path: Path | None
    text_index: TextIndex | None


def before_write(store: ox.Store, directory: Path, index: TextIndex | None) -> TextIndex:
    """The store's index marked stale before a write; at the first write of a session an
    index that does not match the store (a write was cut off, or it was never built) is
    rebuilt first, while the store still holds only committed studies."""
    if index is None:
        index = TextIndex.open(directory / INDEX_FILE)
        if index.state() != FRESH:
            index.mark_stale()
            index.rebuild(store)
    index.mark_stale()
    return index


def index_for(trial_store: IndexedStore, *, rebuild: bool = False) -> TextIndex:
    """The index to search ``trial_store`` with: built in memory for an in-memory store
    (the bundled graph), else the store's file, rebuilt when it does not match the store and
    no write is running (a running write rebuilds it itself), or when ``rebuild``.

    :raises SearchError: when the index cannot be opened or built.
    """
    if trial_store.path is None:
        if trial_store.text_index is None or rebuild:
            index = TextIndex.open(None)
            index.rebuild(trial_store.store)
            trial_store.text_index = index
        return trial_store.text_index
    from trialkg.store.locking import writer_pid

    if trial_store.text_index is not None and not rebuild:
        return trial_store.text_index  # opened (and checked) by an earlier search or write
    if trial_store.text_index is not None:
        trial_store.text_index.close()
    index = TextIndex.open(trial_store.path / INDEX_FILE)
    trial_store.text_index = index  # closed with the store
    state = index.state()
    if state != FRESH or rebuild:
        if writer_pid(trial_store.path) is not None:
            if rebuild:
                raise SearchError("a write to the store is running; rebuild the search index "
                                  "after it (or let it bring the index up to date)")
            print("note: a write to the store is running; the search index is brought up to "
                  "date by it", file=sys.stderr)
        else:
            if not rebuild:
                print(f"note: building the search index ({state})", file=sys.stderr)
            try:
                index.rebuild(trial_store.store)
            except (OSError, sqlite3.Error) as exc:
                raise SearchError(f"cannot build the search index: {exc}") from None
    return index
