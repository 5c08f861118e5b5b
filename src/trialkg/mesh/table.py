"""trialkg's compact MeSH table format: the bundled release and user imports share it.

A vocabulary directory holds

* ``descriptors.tsv.gz`` — ``UI, label, entry terms, tree numbers, broader, earlier terms``
  (lists ``|``-separated; the last two columns are optional: parents the source stated, and
  terms taken from an earlier release than the table's own);
* ``supplementary.tsv.xz`` (optional) — ``UI, name, synonyms, mapped-to descriptors, kind``;
* ``VERSION`` — the MeSH release (``2025``) on the first line; a second line, when the table
  has earlier terms, names their release (``2024``).

>>> import io
>>> row = "D018222\\tFibromatosis, Aggressive\\tDesmoid|Desmoids\\tC04.557.450.565.590.340.410\\n"
>>> [d] = read_descriptors(io.StringIO(row), "example")
>>> d.entry_terms
('Desmoid', 'Desmoids')
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import tempfile
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import IO, cast

from trialkg.exceptions import MeshError
from trialkg.iris import normalise_mesh_id
from trialkg.mesh.model import Descriptor, SupplementaryRecord

__all__ = [
    "DESCRIPTORS_FILE",
    "SUPPLEMENTARY_FILE",
    "VERSION_FILE",
    "read_descriptors",
    "read_supplementary",
    "write_table",
]

DESCRIPTORS_FILE = "descriptors.tsv.gz"
SUPPLEMENTARY_FILE = "supplementary.tsv.xz"
VERSION_FILE = "VERSION"


def _split(value: str) -> tuple[str, ...]:
    return tuple(value.split("|")) if value else ()


def _join(values: Iterable[str], what: str) -> str:
    items = list(values)
    for v in items:
        if "|" in v or "\t" in v or "\n" in v:
            raise MeshError(f"{what}: cannot store {v!r} (contains a tab, newline or '|')")
    return "|".join(items)


def read_descriptors(
    lines: Iterable[str], source: str, *, trusted: bool = False
) -> Iterator[Descriptor]:
    """Parse descriptor rows; :class:`MeshError` names ``source`` and the line.

    ``trusted`` skips UI normalisation (a third of the time): only for tables
    :func:`write_table` wrote, whose UIs are normalised already.
    """
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 4:
            raise MeshError(f"{source}, line {n}: expected 4 or 5 tab-separated columns")
        if trusted:
            ui, broader = cols[0], _split(cols[4]) if len(cols) > 4 else ()
        else:
            try:
                ui = normalise_mesh_id(cols[0])
                broader = (tuple(normalise_mesh_id(b) for b in _split(cols[4]))
                           if len(cols) > 4 else ())
            except MeshError as exc:
                raise MeshError(f"{source}, line {n}: {exc}") from None
        earlier = _split(cols[5]) if len(cols) > 5 else ()
        yield Descriptor(ui, cols[1], _split(cols[2]) + earlier, _split(cols[3]), broader,
                         earlier)


def read_supplementary(
    lines: Iterable[str], source: str, *, trusted: bool = False,
    only: Collection[str] | None = None,
) -> Iterator[SupplementaryRecord]:
    """Parse supplementary rows; :class:`MeshError` names ``source`` and the line.

    ``trusted`` skips UI normalisation (3 s of the 3.5 s for 323,000 rows): only for tables
    :func:`write_table` wrote, whose UIs are normalised already. ``only`` keeps the rows
    with these (normalised) UIs; in a trusted table the others are not even split.
    """
    for n, line in enumerate(lines, 1):
        if only is not None and trusted and line[: line.find("\t")] not in only:
            continue
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 4:
            raise MeshError(f"{source}, line {n}: expected 4 or 5 tab-separated columns")
        if trusted:
            ui, mapped = cols[0], _split(cols[3])
        else:
            try:
                ui = normalise_mesh_id(cols[0])
                mapped = tuple(normalise_mesh_id(m) for m in _split(cols[3]))
            except MeshError as exc:
                raise MeshError(f"{source}, line {n}: {exc}") from None
        if only is not None and ui not in only:
            continue
        kind = cols[4] if len(cols) > 4 and cols[4] else None
        yield SupplementaryRecord(ui, cols[1], _split(cols[2]), mapped, kind)


def _atomic_write(path: Path, text: Iterable[str]) -> None:
    """Write to a temporary file in the same directory, then rename: never a partial file.

    ``.gz`` and ``.xz`` names are compressed; gzip without a name or time stamp in its header,
    so the same rows give the same bytes.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with open(fd, "wb") as raw:
            binary: IO[bytes]
            if path.suffix == ".gz":
                binary = cast(
                    "IO[bytes]", gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
                )
            elif path.suffix == ".xz":
                binary = lzma.LZMAFile(raw, "wb", preset=9)
            else:
                binary = raw
            with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as stream:
                stream.writelines(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these are shareable data files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(
    directory: Path,
    descriptors: Iterable[Descriptor],
    supplementary: Iterable[SupplementaryRecord] | None,
    *,
    version: str,
    earlier_release: str | None = None,
    keep_synonyms: bool = True,
) -> None:
    """Write a vocabulary directory (sorted rows, so the same input gives the same bytes).

    A descriptor's ``earlier_terms`` go to the last column, apart from the release's own
    entry terms; ``earlier_release`` names their release (the second line of ``VERSION``).
    """
    directory.mkdir(parents=True, exist_ok=True)

    def descriptor_rows() -> Iterator[str]:
        for d in sorted(descriptors, key=lambda d: d.ui):
            earlier = set(d.earlier_terms)
            cols = [
                d.ui,
                _join([d.label], d.ui),
                _join((t for t in d.entry_terms if t not in earlier), d.ui),
                _join(d.tree_numbers, d.ui),
            ]
            if d.broader or earlier:
                cols.append(_join(d.broader, d.ui))
            if earlier:
                cols.append(_join(d.earlier_terms, d.ui))
            yield "\t".join(cols) + "\n"

    def supplementary_rows(records: Iterable[SupplementaryRecord]) -> Iterator[str]:
        for s in sorted(records, key=lambda s: s.ui):
            synonyms = _join(s.synonyms, s.ui) if keep_synonyms else ""
            yield "\t".join(
                [s.ui, _join([s.name], s.ui), synonyms, _join(s.mapped_to, s.ui), s.kind or ""]
            ) + "\n"

    _atomic_write(directory / DESCRIPTORS_FILE, descriptor_rows())
    if supplementary is not None:
        _atomic_write(directory / SUPPLEMENTARY_FILE, supplementary_rows(supplementary))
    lines = [version + "\n"] + ([earlier_release + "\n"] if earlier_release else [])
    _atomic_write(directory / VERSION_FILE, lines)
