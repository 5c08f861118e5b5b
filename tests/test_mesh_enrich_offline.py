"""Enrichment failures that need no server: a closed port, a malformed UI.

A closed port on 127.0.0.1 is a real "endpoint down" (connection refused); no HTTP is mocked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIALKG_CACHE": str(cache)}
    env.pop("TRIALKG_MESH_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "trialkg", "mesh", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_cli_failing_endpoint_writes_nothing(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/query"
    done = run_cli("enrich", "D018290", "--endpoint", closed, cache=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("trialkg: error:")]
    assert len(errors) == 1 and closed in errors[0]
    assert "connection refused" in errors[0].lower()
    assert "Traceback" not in done.stderr
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_malformed_ui_never_reaches_the_endpoint(tmp_path: Path) -> None:
    done = run_cli("enrich", "D1> } DROP ALL", "--endpoint", "http://127.0.0.1:9/query",
                   cache=tmp_path)
    assert done.returncode == 1
    assert "not a MeSH id" in done.stderr


def test_endpoint_from_environment(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/sparql"
    env = {**os.environ, "TRIALKG_CACHE": str(tmp_path), "TRIALKG_MESH_ENDPOINT": closed}
    done = subprocess.run(
        [sys.executable, "-m", "trialkg", "mesh", "enrich", "D018290"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 1
    assert f"querying {closed}" in done.stderr
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
