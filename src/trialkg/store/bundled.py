"""The bundled graph shipped with trialkg (``graph/``), loaded into an in-memory store.

Layout: one Turtle file per named graph; the file's path below ``graph/`` (without
``.ttl``) is the graph's name below ``https://w3id.org/trialkg/graph/``, e.g.
``graph/study/NCT00122473.ttl`` holds graph ``…/graph/study/NCT00122473``.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from trialkg.iris import GRAPH
from trialkg.resources import bundled_graph_dir
from trialkg.store import TrialStore
from trialkg.store.records import home

__all__ = ["bundled_note", "graph_for_file", "load_bundled", "load_graph_dir"]


def graph_for_file(root: Path, path: Path) -> str:
    return GRAPH + path.relative_to(root).with_suffix("").as_posix()


def load_graph_dir(root: Path) -> TrialStore:
    """Every ``*.ttl`` below ``root`` into a new in-memory store, one graph per file (a
    study record's into the default graph, as an ingest keeps it)."""
    store = TrialStore.memory()
    for path in sorted(root.rglob("*.ttl")):
        g = home(graph_for_file(root, path))
        store.store.extend(
            ox.Quad(t.subject, t.predicate, t.object, g)
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        )
    return store


def load_bundled() -> TrialStore:
    """The bundled graph; just the ontology if the package carries no bundled graph."""
    root = bundled_graph_dir()
    if root.is_dir() and any(root.rglob("*.ttl")):
        return load_graph_dir(root)
    store = TrialStore.memory()
    store.load_ontology()
    return store


def bundled_note() -> str:
    """The line a query answered from the bundled graph prints on stderr."""
    studies = len(list((bundled_graph_dir() / "study").glob("*.ttl")))
    return (f"answered from the bundled graph ({studies} studies); ingest records or give "
            "--store for your own")
