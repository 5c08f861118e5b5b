"""Fixtures: a real `oxigraph serve` on 127.0.0.1, the real-records store (see servers.py)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import Oxigraph, free_port, wait_until_up

from trialkg.store.ingest import ingest_paths


def _run_oxigraph(location: Path) -> Iterator[Oxigraph]:
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.skip("needs the `oxigraph` server program (pip install oxigraph)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/")
        yield Oxigraph(base)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """One server for a module's read-only tests."""
    yield from _run_oxigraph(tmp_path_factory.mktemp("oxigraph"))


@pytest.fixture()
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    """A fresh, empty server of its own for a test that writes."""
    yield from _run_oxigraph(tmp_path / "oxigraph")


@pytest.fixture(scope="session")
def real_store(ctgov_v2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "store"
    report = ingest_paths([ctgov_v2_dir], path, progress=False)
    assert report.ok, report.errors
    return path


