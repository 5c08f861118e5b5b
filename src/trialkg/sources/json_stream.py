"""The elements of a huge top-level JSON array, one at a time, without parsing the whole file.

The file is memory-mapped (pages are read on demand and can be evicted, so resident memory
stays flat) and scanned with one regular expression that consumes whole strings, so
brackets inside text are never counted. Each top-level element is handed out as bytes for
``orjson.loads``.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from pathlib import Path

__all__ = ["STREAM_FROM_BYTES", "MalformedArray", "iter_array_elements", "starts_with_array"]

#: Files at least this big are streamed element by element; smaller ones are parsed whole.
STREAM_FROM_BYTES = 64 * 1024 * 1024

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class MalformedArray(ValueError):
    """The scan found unbalanced brackets or an unterminated string."""


def starts_with_array(path: Path) -> bool:
    """Whether the first non-blank byte of the file is ``[``."""
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip()
    return head[:1] == b"["


def iter_array_elements(path: Path) -> Iterator[bytes]:
    """The raw JSON of each element of the file's top-level array, in order.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
    ...     _ = f.write(b'[{"a": "x]}"}, {"b": [1, {"c": 2}]}]')
    >>> [e.decode() for e in iter_array_elements(Path(f.name))]
    ['{"a": "x]}"}', '{"b": [1, {"c": 2}]}']
    >>> os.unlink(f.name)

    :raises MalformedArray: when the brackets do not balance.
    """
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0,
                                               access=mmap.ACCESS_READ) as data:
        depth = 0
        start = -1
        for m in _TOKEN.finditer(data):
            token = data[m.start()]
            if token == 0x22:  # a string: skip it whole
                continue
            if token in (0x5B, 0x7B):  # [ {
                depth += 1
                if depth == 2:
                    start = m.start()
            else:  # ] }
                depth -= 1
                if depth == 1:
                    yield bytes(data[start:m.end()])
                elif depth < 0:
                    raise MalformedArray("unbalanced brackets")
        if depth != 0:
            raise MalformedArray("the array is not closed (truncated file?)")
