"""NLM's tree file (``mtreesYYYY.bin``): one ``Name;TreeNumber`` line per tree position.

The file has no UIs, so names are resolved to UIs through the preferred terms of a reference
vocabulary (the bundled release by default). The result holds labels and tree numbers only;
names the reference does not know (renamed or new headings) are returned apart.

>>> import io
>>> list(parse_tree_lines(io.StringIO("Neoplasms;C04\\nBad line\\n"), "mtrees.bin"))
Traceback (most recent call last):
...
trialkg.exceptions.MeshError: mtrees.bin, line 2: expected 'Name;TreeNumber'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from trialkg.exceptions import MeshError
from trialkg.mesh.model import Descriptor
from trialkg.mesh.sources.common import open_text

__all__ = ["descriptors_from_trees", "parse_tree_lines", "read_tree_file"]

_TREE_NUMBER = re.compile(r"^[A-Z]\d{2}(\.\d{3})*$")


def parse_tree_lines(lines: Iterable[str], source: str) -> Iterator[tuple[str, str]]:
    """``(name, tree number)`` pairs; :class:`MeshError` names the source and line."""
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        name, sep, tree = text.rpartition(";")
        if not sep or not name or not _TREE_NUMBER.match(tree):
            raise MeshError(f"{source}, line {n}: expected 'Name;TreeNumber'")
        yield name, tree


def descriptors_from_trees(
    pairs: Iterable[tuple[str, str]], ui_by_label: Mapping[str, str]
) -> tuple[list[Descriptor], list[str]]:
    """Group tree numbers by name and key them by UI; also the names left unresolved."""
    trees: dict[str, list[str]] = {}
    for name, tree in pairs:
        trees.setdefault(name, []).append(tree)
    found: list[Descriptor] = []
    missing: list[str] = []
    for name, numbers in trees.items():
        ui = ui_by_label.get(name)
        if ui is None:
            missing.append(name)
        else:
            found.append(Descriptor(ui, name, (), tuple(numbers)))
    return found, missing


def read_tree_file(
    path: Path, ui_by_label: Mapping[str, str]
) -> tuple[list[Descriptor], list[str]]:
    """Descriptors (label and tree numbers) from a tree file, and the unresolved names.

    :raises MeshError: naming the file and line of a malformed line.
    """
    with open_text(path) as lines:
        return descriptors_from_trees(parse_tree_lines(lines, str(path)), ui_by_label)
