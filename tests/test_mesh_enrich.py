"""SPARQL enrichment against a real ``oxigraph serve`` holding NLM's RDF sample.

The server runs on 127.0.0.1 on a free port, from a store in a temporary directory, loaded
with ``../shared/data/mesh/mesh2015-rdf-subset.nt.tar.gz`` into NLM's graph
``http://id.nlm.nih.gov/mesh``. Facts from the sample: D018290 has tree number
C04.557.470.200.240.250 and is not in MeSH 2025; D007762 is "Labyrinthitis", broader
D007759 and D010031. No HTTP is mocked.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from trialkg.exceptions import MeshError
from trialkg.mesh import BUNDLED_DIR, MeshVocabulary, load_vocabulary
from trialkg.mesh.enrich import cache_file, enrich, enriched_vocabulary, fetch_descriptors

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RDF_SAMPLE = SHARED / "data" / "mesh" / "mesh2015-rdf-subset.nt.tar.gz"
OXIGRAPH = shutil.which("oxigraph")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared,
    pytest.mark.skipif(not RDF_SAMPLE.is_file(), reason="../shared MeSH RDF sample is absent"),
    pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` server CLI is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert OXIGRAPH is not None
    root = tmp_path_factory.mktemp("oxigraph")
    with tarfile.open(RDF_SAMPLE) as tar:
        member = next(m for m in tar if m.isfile() and m.name.endswith(".nt"))
        extracted = tar.extractfile(member)
        assert extracted is not None
        (root / "mesh.nt").write_bytes(extracted.read())
    store = root / "store"
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(store), "--file", str(root / "mesh.nt"),
         "--graph", "http://id.nlm.nih.gov/mesh"],
        check=True, capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [OXIGRAPH, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIALKG_CACHE": str(cache)}
    env.pop("TRIALKG_MESH_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "trialkg", "mesh", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_fetch_descriptor_missing_from_vocabulary(endpoint: str) -> None:
    [d] = fetch_descriptors(["D000007762"], endpoint)
    assert (d.ui, d.label) == ("D007762", "Labyrinthitis")
    assert d.broader == ("D007759", "D010031")


def test_enrich_with_a_vocabulary_that_lacks_it(endpoint: str, tmp_path: Path) -> None:
    empty = MeshVocabulary([], version="test")
    result = enrich(["D007762"], empty, endpoint=endpoint, cache_dir=tmp_path)
    assert [d.ui for d in result.fetched] == ["D007762"]
    assert result.cache == cache_file(tmp_path, endpoint)
    assert result.cache.is_file()
    vocab = enriched_vocabulary(empty, endpoint=endpoint, cache_dir=tmp_path)
    assert vocab.descriptor("D007762").label == "Labyrinthitis"  # type: ignore[union-attr]
    # second time: from the cache, nothing fetched
    again = enrich(["D007762"], empty, endpoint=endpoint, cache_dir=tmp_path)
    assert again.fetched == [] and again.known == ["D007762"]


def test_cli_enrich_descriptor_unknown_to_mesh_2025(endpoint: str, tmp_path: Path) -> None:
    assert load_vocabulary(BUNDLED_DIR).descriptor("D018290") is None
    done = run_cli("enrich", "D000018290", "D018223", "--endpoint", endpoint, cache=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "D018290\t\tC04.557.470.200.240.250\t\n"
    assert "already known 1" in done.stderr  # D018223 is in the bundled MeSH 2025
    assert "1/1 descriptors" in done.stderr
    assert cache_file(tmp_path, endpoint).is_file()


def test_failing_endpoint_keeps_old_cache(endpoint: str, tmp_path: Path) -> None:
    empty = MeshVocabulary([], version="test")
    enrich(["D007762"], empty, endpoint=endpoint, cache_dir=tmp_path)
    path = cache_file(tmp_path, endpoint)
    before = path.read_bytes()
    # a cache for an endpoint that is now down: a failed enrichment must leave it as it was
    closed = f"http://127.0.0.1:{free_port()}/query"
    closed_cache = cache_file(tmp_path, closed)
    closed_cache.parent.mkdir(parents=True, exist_ok=True)
    closed_cache.write_bytes(before)
    with pytest.raises(MeshError, match="failed"):
        enrich(["D000001"], empty, endpoint=closed, cache_dir=tmp_path)
    assert closed_cache.read_bytes() == before
    assert sorted(p.name for p in closed_cache.parent.iterdir()) == sorted(
        {path.name, closed_cache.name}
    )
