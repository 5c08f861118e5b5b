"""Opening (possibly compressed) MeSH files with errors that name the file."""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

from trialkg.exceptions import MeshError

__all__ = ["open_binary", "open_text"]


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading bytes, decompressing ``.gz``/``.xz`` and taking the first
    regular member of a ``.tar.gz``/``.tgz``/``.tar`` archive.

    :raises MeshError: the file is missing, unreadable or not the archive its name says.
    """
    name = path.name.lower()
    try:
        if name.endswith((".tar.gz", ".tgz", ".tar", ".tar.xz")):
            with tarfile.open(path) as tar:
                member = next((m for m in tar if m.isfile()), None)
                if member is None:
                    raise MeshError(f"{path}: the archive holds no file")
                extracted = tar.extractfile(member)
                if extracted is None:  # pragma: no cover - isfile() was checked
                    raise MeshError(f"{path}: cannot read {member.name}")
                with extracted:
                    yield extracted
        elif name.endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                yield cast("IO[bytes]", stream)
        elif name.endswith(".xz"):
            with lzma.open(path, "rb") as stream:
                yield stream
        else:
            with open(path, "rb") as stream:
                yield stream
    except MeshError:
        raise
    except (OSError, EOFError, tarfile.TarError, lzma.LZMAError) as exc:
        raise MeshError(f"{path}: cannot read: {exc}") from None


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    """Like :func:`open_binary`, as UTF-8 text; a decoding error becomes a MeshError."""
    with open_binary(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline=None)
        try:
            yield text
        except UnicodeDecodeError as exc:
            raise MeshError(f"{path}: not UTF-8 text ({exc.reason})") from None
        finally:
            text.detach()
