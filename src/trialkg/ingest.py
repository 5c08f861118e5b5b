"""Ingest orchestration: read sources, write the store, report; opening stores for commands."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from trialkg.exceptions import StoreError
from trialkg.iris import GRAPH
from trialkg.sources import Item, read_paths
from trialkg.store import IngestReport, TrialStore, default_store_path

__all__ = ["ingest_paths", "open_for_reading", "open_for_writing", "resolve_graphs"]


def open_for_writing(store_path: str | Path | None) -> TrialStore:
    """Open (creating) a writable store; a new store gets the ontology graph."""
    store = TrialStore.open(store_path)
    if not store.store.contains_named_graph(_ontology_node()):
        store.load_ontology()
    return store


def _ontology_node() -> ox.NamedNode:

    from trialkg.store import ONTOLOGY_GRAPH

    return ox.NamedNode(ONTOLOGY_GRAPH)


def open_for_reading(store_path: str | Path | None) -> TrialStore:
    """The user's store read-only; the bundled graph in memory when there is no store."""
    where = Path(store_path) if store_path is not None else default_store_path()
    if TrialStore.exists(where):
        return TrialStore.open(where, read_only=True)
    if store_path is not None:
        raise StoreError(f"no store at {where} (run `trialkg ingest --store {where} ...`)")
    from trialkg.bundled import load_bundled

    return load_bundled()


def resolve_graphs(store: TrialStore, names: Iterable[str]) -> list[str]:
    """Graph IRIs from full IRIs or short forms (``mesh``, ``study/NCT…``, ``NCT…``)."""
    known = set(store.named_graphs())
    out = []
    for name in names:
        iri = name if "://" in name else GRAPH + (f"study/{name}" if name.startswith("NCT")
                                                  else name)
        if iri not in known:
            raise StoreError(f"no named graph {iri} in the store (see `trialkg stats`)")
        out.append(iri)
    return out


def ingest_paths(
    paths: list[Path], store_path: str | Path | None, *, progress: bool | None = None
) -> IngestReport:
    """Ingest files and directories into the store, with a progress bar on a terminal."""
    store = open_for_writing(store_path)
    show = sys.stderr.isatty() if progress is None else progress
    items: Iterable[Item] = read_paths(paths)
    if not show:
        report = store.ingest(items)
    else:
        from rich.console import Console
        from rich.progress import (
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed} studies"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("ingesting", total=None, rate="")

            def tick(_item: Item) -> None:
                bar.advance(task)
                elapsed = bar.tasks[0].elapsed or 0.0
                done = bar.tasks[0].completed
                if elapsed > 0:
                    bar.update(task, rate=f"{done / elapsed:,.0f}/s")

            report = store.ingest(items, on_item=tick)
    after_ingest(store)
    store.flush()
    return report


def after_ingest(store: TrialStore) -> None:
    """Bring the shared graphs (MeSH) up to date with the studies in the store."""
    from trialkg.mesh_graph import refresh_mesh_graph

    refresh_mesh_graph(store)
