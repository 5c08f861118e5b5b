"""A PNG read into pixels with the standard library only (8-bit RGB/RGBA/grey, not
interlaced: what Chromium's screenshots and vl-convert write), for tests that check a
picture is drawn."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def read_png(data: bytes | Path) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and the pixels (row by row) of a PNG, as RGB(A) or grey tuples."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = depth = kind = 0
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        tag, body = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if tag == b"IHDR":
            width, height, depth, kind, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and kind in _CHANNELS and not interlace, (depth, kind, interlace)
        elif tag == b"IDAT":
            idat += body
        elif tag == b"IEND":
            break
    n = _CHANNELS[kind]
    stride = width * n
    data_ = zlib.decompress(idat)
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        filt, line = data_[start], bytearray(data_[start + 1 : start + 1 + stride])
        if filt == 1:
            for i in range(n, stride):
                line[i] = (line[i] + line[i - n]) & 0xFF
        elif filt == 2:
            line = bytearray((x + y) & 0xFF for x, y in zip(line, prev, strict=True))
        elif filt == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - n] if i >= n else 0) + prev[i]) // 2) & 0xFF
        elif filt == 4:
            for i in range(stride):
                a = line[i - n] if i >= n else 0
                b = prev[i]
                c = prev[i - n] if i >= n else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)
                           ) & 0xFF
        rows.append(line)
        prev = line
    pixels = [tuple(row[x * n : x * n + n]) for row in rows for x in range(width)]
    return width, height, pixels


def coloured(pixels: list[tuple[int, ...]], spread: int = 60) -> int:
    """How many pixels are clearly coloured (not white, grey or black text): what a chart's
    marks draw and a plain table does not."""
    count = 0
    for px in pixels:
        rgb = px[:3] if len(px) >= 3 else px * 3
        if len(px) == 4 and px[3] < 128:
            continue
        if max(rgb) - min(rgb) > spread:
            count += 1
    return count
