"""Reading an input file whole, with the one clear error every importer gives when it can't."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from trialkg.exceptions import InputFormatError

__all__ = ["read_whole"]

T = TypeVar("T")


def read_whole(
    path: Path, name: str, read_bytes: Callable[[bytes, str], Iterator[T]]
) -> Iterator[T | InputFormatError]:
    """The records ``read_bytes`` finds in the file, or one error naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputFormatError(f"cannot read: {exc.strerror or exc}", source=name)
        return
    yield from read_bytes(data, name)
