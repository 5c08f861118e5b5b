"""Compacting a store on disk: RocksDB merges every index into its last, compressed level.

An ingest writes its batches into a store that grows; RocksDB merges them level by level in
the background, and Oxigraph leaves the upper levels uncompressed. What an ingest leaves is
therefore larger than the same quads compacted: at 100k studies 3.95 GB against 2.71 GB
(``benchmarks/store-write.md`` §4). :func:`compact_store` does the full compaction once, under
the write lock, when the user asks for it (``trialkg compact``): it costs about a quarter of
the ingest's time, and reads are not faster afterwards, so an ingest does not do it itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from trialkg.exceptions import StoreError
from trialkg.store.core import default_store_path
from trialkg.store.trialstore import TrialStore

__all__ = ["Compaction", "compact_store", "disk_size"]


@dataclass(frozen=True)
class Compaction:
    """What a compaction did: the store's size on disk before and after, and its time."""

    path: Path
    before: int
    after: int
    seconds: float


def disk_size(path: Path) -> int:
    """Bytes of the files under ``path`` (the store's folder)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def compact_store(store_path: str | Path | None, *, wait: bool = False) -> Compaction:
    """Compact the store at ``store_path`` (or the user's store) in place.

    :raises StoreError: there is no store there.
    :raises StoreLockedError: another process is writing it (unless ``wait``).
    """
    where = Path(store_path) if store_path is not None else default_store_path()
    if not TrialStore.exists(where):
        raise StoreError(f"no store at {where}")
    before = disk_size(where)
    started = time.perf_counter()
    with TrialStore.open(where, wait=wait) as store:
        store.store.optimize()
    return Compaction(where, before, disk_size(where), time.perf_counter() - started)
