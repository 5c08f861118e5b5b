"""Shared fixtures.

Tests that read ../shared (real ClinicalTrials.gov records, MeSH files, seed pages) use the
``shared_dir`` fixture and skip with a clear reason when it is absent; a core set runs on the
small records in tests/data written for this project (see tests/data/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from trialkg.model import Study
from trialkg.sources import read_paths
from trialkg.store import TrialStore

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SHARED = Path(os.environ.get("TRIALKG_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the repository)")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return shared_path()


@pytest.fixture(scope="session")
def ctgov_v2_dir() -> Path:
    return shared_path("data", "ctgov-v2")


def load_studies(*paths: Path) -> list[Study]:
    """Studies from files, failing the test on any record error."""
    items = list(read_paths(list(paths)))
    errors = [str(i) for i in items if not isinstance(i, Study)]
    assert not errors, errors
    return [i for i in items if isinstance(i, Study)]


@pytest.fixture(scope="session")
def v2_store(ctgov_v2_dir: Path) -> TrialStore:
    """An in-memory store with every API v2 record of ../shared (2025 capture wins)."""
    store = TrialStore.memory()
    store.load_ontology()
    report = store.ingest(read_paths([ctgov_v2_dir]))
    assert report.failed == 0, report.errors
    return store


@pytest.fixture()
def tmp_store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def run_cli(*args: str, input: str | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``trialkg`` CLI in a subprocess (as a user would)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "trialkg", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=600,
    )


@pytest.fixture()
def cli() -> Iterator[object]:
    yield run_cli
