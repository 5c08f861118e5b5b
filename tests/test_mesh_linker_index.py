"""The linker's index: shipped with the bundled MeSH, cached per vocabulary content otherwise.

Facts checkable in ``src/trialkg/mesh/data``: D018222 "Fibromatosis, Aggressive" has the
entry term "Desmoid"; supplementary record C000002 "bevonium" maps to D001561.
The small vocabularies here are written by the test itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trialkg.mesh import BUNDLED_DIR, index_files, load_vocabulary
from trialkg.mesh.index_files import (
    KEEP_CACHES,
    SHIPPED_SUPPLEMENTARY,
    SHIPPED_TERMS,
    vocabulary_digest,
)
from trialkg.mesh.linker import Linker
from trialkg.mesh.model import Descriptor, SupplementaryRecord
from trialkg.mesh.table import write_table


def test_shipped_index_matches_the_bundle() -> None:
    """The index in the package was built from the bundled tables by this code; when this
    fails, rebuild it: ``python scripts/build_mesh_bundle.py --index-only``."""
    digest = vocabulary_digest(load_vocabulary(BUNDLED_DIR))
    assert digest is not None
    for names in (SHIPPED_TERMS, SHIPPED_SUPPLEMENTARY):
        parts = index_files._read_files([BUNDLED_DIR / n for n in names], digest)
        assert parts is not None, f"{names} stale: run scripts/build_mesh_bundle.py --index-only"
    for name in (*SHIPPED_TERMS, *SHIPPED_SUPPLEMENTARY):  # each file stays under 5 MiB
        assert (BUNDLED_DIR / name).stat().st_size < 5 * 2**20, name


def test_bundled_vocabulary_needs_no_cache(tmp_path: Path) -> None:
    linker = Linker(load_vocabulary(BUNDLED_DIR), kind="any", cache_dir=tmp_path)
    [desmoid] = linker.link("Desmoid")
    [bevonium] = linker.link("bevonium")
    assert (desmoid.ui, bevonium.ui, bevonium.mapped_to) == ("D018222", "C000002", ("D001561",))
    assert not any(tmp_path.iterdir())  # the shipped index served both


def small_vocabulary(directory: Path, label: str) -> Path:
    write_table(directory,
                [Descriptor("D018222", label, ("Desmoid",), ("C04.557",)),
                 Descriptor("D001561", "Benzilates", (), ("D02.241",))],
                [SupplementaryRecord("C000002", "bevonium", ("bevonium methylsulfate",),
                                     ("D001561",))],
                version="test")
    return directory


def test_cache_is_keyed_by_the_vocabulary_content(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_vocabulary(small_vocabulary(tmp_path / "a", "Fibromatosis, Aggressive"))
    linker = Linker(first, cache_dir=cache)
    assert [x.ui for x in linker.link("aggressive fibromatosis")] == ["D018222"]
    assert [x.ui for x in linker.link("Bevonium Methylsulfate")] == ["C000002"]
    assert len(list((cache / "mesh").iterdir())) == 2  # terms, then supplementary names
    # the same files elsewhere: the same index; other files (a new import): another one
    Linker(load_vocabulary(small_vocabulary(tmp_path / "b", "Fibromatosis, Aggressive")),
           cache_dir=cache)
    assert len(list((cache / "mesh").glob("*-terms.marshal"))) == 1
    other = Linker(load_vocabulary(small_vocabulary(tmp_path / "c", "Desmoid Tumor")),
                   cache_dir=cache)
    assert len(list((cache / "mesh").glob("*-terms.marshal"))) == 2
    assert other.link("aggressive fibromatosis") == []
    assert [x.ui for x in other.link("desmoid tumour")] == ["D018222"]


def test_a_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    vocab = load_vocabulary(small_vocabulary(tmp_path / "a", "Fibromatosis, Aggressive"))
    index_files._IN_MEMORY.clear()  # as in a new process: read the cache files
    Linker(vocab, cache_dir=tmp_path / "cache").link("bevonium")
    for f in (tmp_path / "cache" / "mesh").iterdir():
        f.write_bytes(b"not marshal data")
    index_files._IN_MEMORY.clear()
    linker = Linker(vocab, cache_dir=tmp_path / "cache")
    assert [x.ui for x in linker.link("Desmoid")] == ["D018222"]
    assert [x.ui for x in linker.link("bevonium")] == ["C000002"]
    rewritten = [f.read_bytes() for f in (tmp_path / "cache" / "mesh").iterdir()]
    assert len(rewritten) == 2 and b"not marshal data" not in rewritten


def test_cache_keeps_few_indexes(tmp_path: Path) -> None:
    for n in range(KEEP_CACHES + 2):
        vocab = load_vocabulary(small_vocabulary(tmp_path / str(n), f"Fibromatosis {n}"))
        Linker(vocab, cache_dir=tmp_path / "cache", supplementary=False)
    assert len(list((tmp_path / "cache" / "mesh").glob("index-*-terms.marshal"))) == KEEP_CACHES


def test_vocabularies_built_in_memory_are_never_cached(tmp_path: Path) -> None:
    vocab = load_vocabulary(small_vocabulary(tmp_path / "a", "Fibromatosis, Aggressive"))
    linker = Linker(vocab.extended([]), cache_dir=tmp_path / "cache")
    assert [x.ui for x in linker.link("Desmoid")] == ["D018222"]
    assert not (tmp_path / "cache").exists()


def test_one_look_up_reads_one_shard_of_supplementary_names() -> None:
    vocab = load_vocabulary(BUNDLED_DIR)
    index_files._IN_MEMORY.clear()  # as in a new process
    [bevonium] = Linker(vocab, kind="intervention").link("bevonium")
    assert bevonium.ui == "C000002"
    digest = vocabulary_digest(vocab)
    assert digest is not None
    parts = index_files._IN_MEMORY[("supplementary", digest)]
    assert len(parts._values) == 2  # the shards' first keys, and bevonium's shard


def test_linkers_without_a_cache_dir_read_the_users_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `trialkg mesh import` indexed serves every linker (stored queries' too)."""
    monkeypatch.setenv("TRIALKG_CACHE", str(tmp_path / "cache"))
    vocab = load_vocabulary(small_vocabulary(tmp_path / "a", "Fibromatosis, Aggressive"))
    index_files.prepare(vocab, tmp_path / "cache")
    index_files._IN_MEMORY.clear()  # as in a new process
    assert [x.ui for x in Linker(vocab).link("Desmoid")] == ["D018222"]
    digest = vocabulary_digest(vocab)
    assert digest is not None
    assert index_files._IN_MEMORY[("terms", digest)]._blobs  # read from the file, not built
