"""Where the packaged ontology, queries and bundled graph are.

In a wheel they live in ``trialkg/_data/``; in a source checkout (editable install, tests)
they are the repository's own ``ontology/``, ``queries/`` and ``graph/`` folders.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "bundled_graph_dir",
    "data_dir",
    "ontology_files",
    "ontology_path",
    "queries_dir",
    "shapes_path",
]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The packaged folder ``name`` (``ontology``, ``queries`` or ``graph``)."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parent.parent / name  # src/trialkg -> repository root
    return checkout


def ontology_path() -> Path:
    return data_dir("ontology") / "trialkg.ttl"


def ontology_files() -> list[Path]:
    """Every module of the ontology: ``ontology/*.ttl`` except the SHACL shapes, sorted.

    ``trialkg.ttl`` is the core; other modules (results, curated evidence ...) sit beside it
    and are loaded together into the ontology graph.
    """
    shapes = shapes_path().name
    return sorted(p for p in data_dir("ontology").glob("*.ttl") if p.name != shapes)


def shapes_path() -> Path:
    return data_dir("ontology") / "shapes.ttl"


def queries_dir() -> Path:
    return data_dir("queries")


def bundled_graph_dir() -> Path:
    return data_dir("graph")
