"""The benchmark script runs end to end on a small corpus (it times nothing here: the speed and
memory figures come from its own runs, in benchmarks/results.md)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli, shared_path

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.shared
def test_benchmark_run_measures_every_step(tmp_path: Path) -> None:
    shared_path("data", "ctgov-v2")  # skips with the reason when ../shared is absent
    corpus, work, table = tmp_path / "corpus", tmp_path / "work", tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--sizes", "30", "--corpus",
         str(corpus), "--work", str(work), "--output", str(table), "--repeat", "1",
         "--queries", str(REPO / "queries")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    state = json.loads((work / "30" / "result.json").read_text(encoding="utf-8"))
    # the export and queries read the ingested store; the floor's bulk load comes last
    assert state["done"] == ["parse", "ingest", "reingest", "increment", "turtle", "queries",
                             "dump", "floor"]
    result = state["result"]
    assert "30 studies loaded, 0 failed" in result["ingest"]["stderr"]
    assert result["ingest"]["cpu_s"] > 0 and result["floor_cpu_s"] > 0
    assert result["ingest"]["peak_rss_mb"] >= result["ingest"]["largest_rss_mb"] > 0
    assert "0 studies loaded, 30 unchanged" in result["reingest"]["stderr"]
    # the add / remove step wrote 100 more studies and took them out again
    assert "100 studies loaded, 0 failed" in result["add"]["stderr"]
    assert "removed 100 studies" in result["remove"]["stderr"]
    # every stored query was timed on the store (the corpus' first trial for a trial id)
    queries = {p.stem for p in (REPO / "queries").glob("*.rq")}
    assert queries <= set(result["queries"])
    rows = [line for line in table.read_text(encoding="utf-8").splitlines()
            if line.startswith("| 30 |")]
    assert len(rows) == 1 and f"| {result['triples']:,} |" in rows[0]
    # the store left behind (the floor's, with the same quads) holds the 30 studies only
    stats = run_cli("stats", "--store", str(work / "30" / "store"), "--format", "json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["studies"] == 30


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_peak_rss_sums_the_process_tree() -> None:
    """The ingest's peak is of the ingest and its worker together: a parent of a few MiB
    whose child holds 200 MiB counts as more than 200 MiB."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import run as bench
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    child = "b = b'x' * (200 << 20); print('ready', flush=True); import time; time.sleep(60)"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', "
         f"{child!r}])"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        status = Path(f"/proc/{parent.pid}/status").read_text()
        own = int(status.split("VmRSS:")[1].split()[0]) / 1024
        assert own < 100
        assert bench.tree_rss_mb(parent.pid) > own + 200
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()
