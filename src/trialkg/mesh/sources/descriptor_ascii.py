"""NLM's descriptor file in ASCII format (``d2025.bin``): ``*NEWRECORD`` blocks of
``FIELD = value`` lines.

A record gives its heading (``MH``), UI (``UI``), tree numbers (``MN``) and the terms of every
concept (``ENTRY`` and ``PRINT ENTRY``, whose first ``|``-separated field is the term; NLM
writes the rest as term data), so it yields the same term set as the XML and RDF releases.

>>> import io
>>> lines = io.StringIO("*NEWRECORD\\nRECTYPE = D\\nMH = Calcimycin\\n"
...                     "ENTRY = A-23187|T000001|LAB|NRW|NLM (1991)|900308|abbcdef\\n"
...                     "ENTRY = A23187, Antibiotic\\nMN = D03.633.100.221.173\\nUI = D000001\\n")
>>> [d] = parse_ascii_lines(lines, "d2025.bin")
>>> d.label, d.entry_terms, d.tree_numbers
('Calcimycin', ('A-23187', 'A23187, Antibiotic'), ('D03.633.100.221.173',))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialkg.exceptions import MeshError
from trialkg.iris import normalise_mesh_id
from trialkg.mesh.model import Descriptor
from trialkg.mesh.sources.common import open_text

__all__ = ["RECORD_START", "parse_ascii_lines", "read_descriptor_ascii"]

#: The line that starts every record of NLM's ASCII MeSH files.
RECORD_START = "*NEWRECORD"
_TERM_FIELDS = ("ENTRY", "PRINT ENTRY")


def _descriptor(fields: dict[str, list[str]], source: str, line: int) -> Descriptor | None:
    if fields.get("RECTYPE", ["D"])[0] != "D":
        return None
    heading, ui = fields.get("MH"), fields.get("UI")
    if not heading or not ui:
        raise MeshError(f"{source}, line {line}: a record lacks MH or UI")
    try:
        key = normalise_mesh_id(ui[0])
    except MeshError as exc:
        raise MeshError(f"{source}, line {line}: {exc}") from None
    label = heading[0]
    terms: dict[str, None] = {}
    for value in fields.get("ENTRY", []):  # ENTRY and PRINT ENTRY, in the file's order
        term = value.split("|", 1)[0].strip()
        if term and term != label:
            terms[term] = None
    return Descriptor(key, label, tuple(terms), tuple(fields.get("MN", [])))


def parse_ascii_lines(lines: Iterable[str], source: str) -> Iterator[Descriptor]:
    """Descriptors from the lines of an ASCII descriptor file; :class:`MeshError` names
    ``source`` and the line of a malformed record."""
    fields: dict[str, list[str]] | None = None
    start = 0
    n = 0
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line == RECORD_START:
            if fields is not None and (d := _descriptor(fields, source, start)) is not None:
                yield d
            fields, start = {}, n
            continue
        name, sep, value = line.partition(" = ")
        if fields is None or not sep:
            raise MeshError(f"{source}, line {n}: expected '{RECORD_START}' or 'FIELD = value'")
        key = "ENTRY" if name.strip() in _TERM_FIELDS else name.strip()
        fields.setdefault(key, []).append(value.strip())
    if fields is not None and (d := _descriptor(fields, source, start)) is not None:
        yield d
    elif fields is None:
        raise MeshError(f"{source}: no {RECORD_START} record")


def read_descriptor_ascii(path: Path) -> Iterator[Descriptor]:
    """Descriptors from an NLM ASCII descriptor file (plain, ``.gz`` or ``.xz``).

    :raises MeshError: naming the file and the line of a malformed record.
    """
    with open_text(path) as lines:
        yield from parse_ascii_lines(lines, str(path))
