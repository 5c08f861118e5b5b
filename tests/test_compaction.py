"""`trialkg compact`: RocksDB's full compaction of a store, with the same triples after it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli, shared_path

RECORDS = ("NCT00763412.json", "NCT06171568.json")


def _export(store: Path, out: Path) -> list[str]:
    done = run_cli("export", "--store", str(store), "-f", "nq", "-o", str(out))
    assert done.returncode == 0, done.stderr
    return sorted(out.read_text(encoding="utf-8").splitlines())


def test_compact_keeps_every_triple_and_says_what_it_did(tmp_path: Path) -> None:
    store = tmp_path / "store"
    files = [shared_path("data", "ctgov-v2", name) for name in RECORDS]
    done = run_cli("ingest", "--store", str(store), *map(str, files))
    assert done.returncode == 0, done.stderr
    before = _export(store, tmp_path / "before.nq")

    done = run_cli("compact", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    size = r"[\d.]+ (?:MB|GB)"
    assert re.fullmatch(rf"compacted the store at {re.escape(str(store))}: {size} → {size} "
                        r"in [\d.]+ s", line), line

    assert _export(store, tmp_path / "after.nq") == before
    # NCT00763412's lead sponsor, as its record gives it
    done = run_cli("query", "run", "trials-by-sponsor", "-p", "sponsor=Arbelaez, Ana Maria",
                   "--store", str(store), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "clinicaltrials:NCT00763412," in done.stdout and ",lead," in done.stdout


def test_compact_without_a_store_is_one_line(tmp_path: Path) -> None:
    where = tmp_path / "nothing-here"
    done = run_cli("compact", "--store", str(where))
    assert done.returncode == 1
    assert done.stderr.strip() == f"trialkg: error: no store at {where}"
    assert not where.exists()  # nothing is created
