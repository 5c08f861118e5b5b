"""Input formats. One module per format, each yielding :class:`trialkg.model.Study` records.

:func:`read_paths` walks files and directories and routes each file by its format
(``SOURCES``); it yields a :class:`~trialkg.exceptions.RecordError` in place of every record
(or file) that cannot be read, so one bad record never stops a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from trialkg.exceptions import InputFormatError, RecordError
from trialkg.model import Study
from trialkg.model.results import Evidence

__all__ = ["SOURCES", "Item", "detect_format", "iter_files", "known_extensions", "read_paths"]

#: What a reader yields: a study, published evidence, or the error that replaces one.
Item = Study | Evidence | RecordError
Reader = Callable[[Path, str], Iterator[Item]]


def _ctgov_json(path: Path, name: str) -> Iterator[Item]:
    from trialkg.sources import ctgov_json

    return ctgov_json.read_file(path, name)


def _ctgov_xml(path: Path, name: str) -> Iterator[Item]:
    from trialkg.sources import ctgov_xml

    return ctgov_xml.read_file(path, name)


def _curated(path: Path, name: str) -> Iterator[Item]:
    from trialkg.sources import curated

    return curated.read_file(path, name)


#: Format name -> reader(path, display_name). Detection is by extension, then content.
SOURCES: dict[str, Reader] = {
    "ctgov-json": _ctgov_json,
    "ctgov-xml": _ctgov_xml,
    "curated": _curated,
}

_EXTENSIONS = {
    ".json": "ctgov-json",
    ".jsonl": "ctgov-json",
    ".ndjson": "ctgov-json",
    ".zip": "ctgov-json",
    ".xml": "ctgov-xml",
    ".yaml": "curated",
    ".yml": "curated",
}


def known_extensions() -> list[str]:
    """The file endings trialkg reads, e.g. ``['.json', '.jsonl', ...]``."""
    return list(_EXTENSIONS)


def detect_format(path: Path) -> str | None:
    """The format name for a file, or None when trialkg does not read files like it."""
    return _EXTENSIONS.get(path.suffix.lower())


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the readable files below named directories (sorted)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if detect_format(child) is not None:
                    yield child
        else:
            yield path


def read_paths(paths: Iterable[Path]) -> Iterator[Item]:
    """Every study in the given files and directories, errors in place of bad records."""
    for path in iter_files(paths):
        name = str(path)
        if not path.exists():
            yield InputFormatError("no such file", source=name)
            continue
        fmt = detect_format(path)
        if fmt is None:
            yield InputFormatError(
                f"unknown file type {path.suffix!r} (expected one of: "
                f"{', '.join(sorted(_EXTENSIONS))})",
                source=name,
            )
            continue
        for item in SOURCES[fmt](path, name):
            if isinstance(item, Study):
                _note_unknown_values(item, fmt, name)
            yield item


def _note_unknown_values(study: Study, fmt: str, name: str) -> None:
    """A warning on the study for each value outside its enumeration (kept as text)."""
    from trialkg.model.enumerations import unknown_values

    for path, value, enumeration in unknown_values(study, fmt):
        where = RecordError("", source=name, record=study.trial_id or study.record)
        study.warnings.append(
            f"{str(where).rstrip(': ')}: {path} = {value!r} is not a known {enumeration} "
            "value; kept as text, not as a controlled term")
