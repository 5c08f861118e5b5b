"""Where the linker's index is kept: shipped with the bundled MeSH, or cached per vocabulary.

Where an index comes from, first found wins:

1. for the bundled MeSH release, the index shipped beside it in the package
   (``trialkg/mesh/data/linker-terms.marshal.xz`` and
   ``linker-supplementary-{1,2}.marshal.xz``),
   used only while its digest of the vocabulary's tables and of the indexing code
   (:mod:`trialkg.mesh.linker_index`, :mod:`trialkg.mesh.normalise`) still matches;
2. the per-user cache (``<cache dir>/mesh/index-<digest>-{terms,supplementary}.marshal``),
   keyed by the same digest: a newly imported vocabulary has other tables, so another key.
   The given ``cache_dir`` is read and written; the user's cache dir (``$TRIALKG_CACHE``),
   where ``trialkg mesh import`` puts the index of what it imports, is also read;
3. built from the vocabulary (9 s of CPU for MeSH 2025, both parts), then written to
   ``cache_dir`` when there is one.

The supplementary names are kept in 32 shards (ranges of names), each decoded on first need,
so that linking one string reads a thirty-second of them. A vocabulary built in memory (no
``source``) is never cached. A file holds a header (the digest, and each part's length and
CRC-32) and its parts, each :mod:`marshal` data (plain values, never code; format version 4,
which later Pythons still read), xz-compressed in the package; a file that is stale or
damaged is rebuilt, never an error.
"""

from __future__ import annotations

import hashlib
import lzma
import marshal
import os
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from trialkg.mesh.linker_index import (
    SupplementaryIndex,
    TermIndex,
    build_supplementary,
    build_terms,
)
from trialkg.mesh.paths import user_cache_dir
from trialkg.mesh.table import DESCRIPTORS_FILE, SUPPLEMENTARY_FILE, VERSION_FILE
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = [
    "KEEP_CACHES",
    "SHIPPED_SUPPLEMENTARY",
    "SHIPPED_TERMS",
    "load_supplementary",
    "load_terms",
    "prepare",
    "vocabulary_digest",
    "write_shipped",
]

#: Bump when the layout of the files changes (the digest also covers the indexing code).
_FORMAT = 2
#: marshal format written: version 4 is read by every Python since 3.4.
_MARSHAL_VERSION = 4
#: How many cached indexes to keep (per part) in a cache directory.
KEEP_CACHES = 3
#: The indexes shipped with the bundled vocabulary, in its directory: each is one or more
#: files holding consecutive parts (the supplementary shards in two files, so that no file
#: in the repository passes 5 MiB).
SHIPPED_TERMS = ("linker-terms.marshal.xz",)
SHIPPED_SUPPLEMENTARY = ("linker-supplementary-1.marshal.xz",
                         "linker-supplementary-2.marshal.xz")


def _code_digest() -> str:
    code = hashlib.sha256(str(_FORMAT).encode("ascii"))
    for module in ("linker_index.py", "normalise.py"):  # the code that builds an index
        code.update(Path(__file__).with_name(module).read_bytes())
    return code.hexdigest()


def vocabulary_digest(vocab: MeshVocabulary) -> str | None:
    """A digest of the vocabulary's tables (by content) and of the code that indexes them;
    None for a vocabulary built in memory."""
    source = Path(vocab.source) if vocab.source else None
    if source is None or not source.is_dir():
        return None
    digest = hashlib.sha256(_code_digest().encode("ascii"))
    for name in (DESCRIPTORS_FILE, SUPPLEMENTARY_FILE, VERSION_FILE):  # not NOTICE.md
        f = source / name
        digest.update(name.encode("utf-8") + b"\0")
        if f.is_file():
            digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()[:24]


_MAGIC = b"trialkg-index\n"


class _Parts:
    """The parts of an index file: read whole, checked, and each part decoded on first need
    (``blobs``), or values already in memory (``values``)."""

    def __init__(self, blobs: list[bytes] | None = None, *, compressed: bool = False,
                 values: list[Any] | None = None) -> None:
        self._blobs = blobs or []
        self._compressed = compressed
        self._values: dict[int, Any] = dict(enumerate(values or []))

    def __getitem__(self, n: int) -> Any:
        try:
            return self._values[n]
        except KeyError:
            data = self._blobs[n]
            value = self._values[n] = marshal.loads(
                lzma.decompress(data) if self._compressed else data)
            return value


def _read(path: Path, digest: str) -> _Parts | None:
    """The parts stored at ``path`` under ``digest``, or None (missing, stale, damaged)."""
    try:
        data = path.read_bytes()
        if not data.startswith(_MAGIC):
            return None
        start = len(_MAGIC) + 8
        size = int.from_bytes(data[len(_MAGIC):start], "big")
        stored, compressed, sums = marshal.loads(data[start : start + size])
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if stored != digest:
        return None
    blobs, at = [], start + size
    for length, crc in sums:
        blob = data[at : at + length]
        if len(blob) != length or zlib.crc32(blob) != crc:
            return None
        blobs.append(blob)
        at += length
    return _Parts(blobs, compressed=compressed)


def _read_files(paths: Sequence[Path], digest: str) -> _Parts | None:
    """The parts stored across ``paths`` in order (one index split in files), or None when
    any of them is missing, stale or damaged."""
    blobs: list[bytes] = []
    compressed = False
    for path in paths:
        found = _read(path, digest)
        if found is None:
            return None
        blobs += found._blobs
        compressed = found._compressed
    return _Parts(blobs, compressed=compressed)


def _write(path: Path, digest: str, values: list[Any], *, compress: bool = False) -> None:
    """Write the parts atomically; a cache that cannot be written only costs time."""
    blobs = [marshal.dumps(v, _MARSHAL_VERSION) for v in values]
    if compress:
        blobs = [lzma.compress(b, preset=9) for b in blobs]
    header = marshal.dumps((digest, compress, [(len(b), zlib.crc32(b)) for b in blobs]),
                           _MARSHAL_VERSION)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with open(fd, "wb") as stream:
            stream.write(_MAGIC + len(header).to_bytes(8, "big") + header)
            for blob in blobs:
                stream.write(blob)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        return


#: Indexes read in this process, by part and digest: linkers of every kind share them.
_IN_MEMORY: dict[tuple[str, str], _Parts] = {}


def _load(vocab: MeshVocabulary, part: str, shipped: Sequence[str], cache_dir: Path | None,
          build: Callable[[MeshVocabulary], list[Any]]) -> _Parts:
    digest = vocabulary_digest(vocab)
    if digest is None:
        return _Parts(values=build(vocab))
    found = _IN_MEMORY.get((part, digest))
    if found is None:
        found = _IN_MEMORY[(part, digest)] = _find(vocab, part, shipped, cache_dir, build, digest)
        for stale in [k for k in _IN_MEMORY if k[0] == part][:-2]:
            del _IN_MEMORY[stale]  # the newest two vocabularies stay
    return found


def _find(vocab: MeshVocabulary, part: str, shipped: Sequence[str], cache_dir: Path | None,
          build: Callable[[MeshVocabulary], list[Any]], digest: str) -> _Parts:
    found = _read_files([Path(vocab.source) / name for name in shipped], digest)
    if found is not None:
        return found
    name = f"index-{digest}-{part}.marshal"
    for directory in dict.fromkeys(d for d in (cache_dir, user_cache_dir()) if d is not None):
        found = _read(directory / "mesh" / name, digest)
        if found is not None:
            return found
    if cache_dir is None:
        return _Parts(values=build(vocab))
    path = cache_dir / "mesh" / name
    values = build(vocab)
    _write(path, digest, values)
    # keep the newest few: each imported vocabulary or code change adds one
    try:
        older = sorted(path.parent.glob(f"index-*-{part}.marshal"),
                       key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in older[KEEP_CACHES:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass
    return _Parts(values=values)


def _terms_parts(vocab: MeshVocabulary) -> list[Any]:
    return [tuple(build_terms(vocab))]


def load_terms(vocab: MeshVocabulary, cache_dir: Path | None = None) -> TermIndex:
    """The vocabulary's term index: shipped, cached or built (see the module's text)."""
    return TermIndex(*_load(vocab, "terms", SHIPPED_TERMS, cache_dir, _terms_parts)[0])


def load_supplementary(vocab: MeshVocabulary,
                       cache_dir: Path | None = None) -> SupplementaryIndex:
    """The vocabulary's supplementary index: shipped, cached or built; shards are decoded
    on first need."""
    parts = _load(vocab, "supplementary", SHIPPED_SUPPLEMENTARY, cache_dir,
                  build_supplementary)
    return SupplementaryIndex(parts.__getitem__)


def prepare(vocab: MeshVocabulary, cache_dir: Path) -> None:
    """Build both indexes of a vocabulary into the cache now (``trialkg mesh import`` does,
    so that the first link after an import is as quick as any)."""
    digest = vocabulary_digest(vocab)
    if digest is not None:
        _find(vocab, "terms", SHIPPED_TERMS, cache_dir, _terms_parts, digest)
        _find(vocab, "supplementary", SHIPPED_SUPPLEMENTARY, cache_dir, build_supplementary,
              digest)


def write_shipped(vocab: MeshVocabulary) -> list[Path]:
    """Build both indexes of a vocabulary read from a directory and write them there (for the
    bundled release: ``scripts/build_mesh_bundle.py``); returns the files written."""
    digest = vocabulary_digest(vocab)
    if digest is None:
        raise ValueError("the vocabulary was not read from a directory")
    directory = Path(vocab.source)
    written = []
    for names, values in ((SHIPPED_TERMS, _terms_parts(vocab)),
                          (SHIPPED_SUPPLEMENTARY, build_supplementary(vocab))):
        step = -(-len(values) // len(names))  # consecutive parts, as even as they go
        for n, name in enumerate(names):
            _write(directory / name, digest, values[n * step : (n + 1) * step], compress=True)
            written.append(directory / name)
    return written
