"""The on-disk store: persistence, read-only readers, the write lock, graphs, remove, skips."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import load_studies, run_cli, shared_path
from trialkg.exceptions import StoreLockedError
from trialkg.store import TrialStore
from trialkg.store.ingest import ingest_paths, open_for_reading

V2 = ("data", "ctgov-v2")
OLD, NEW = "NCT04267848.2023-09-11.json", "NCT04267848.2025-09-11.json"


@pytest.fixture()
def holder(tmp_store: Path) -> Iterator[subprocess.Popen[str]]:
    """A real second process that holds the store's write lock until its stdin closes."""
    code = textwrap.dedent(f"""
        import sys
        from trialkg.store.ingest import open_for_writing
        store = open_for_writing({str(tmp_store)!r})
        print("holding", flush=True)
        sys.stdin.read()
        store.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    yield proc
    if proc.poll() is None:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def test_store_survives_reopening(tmp_store: Path) -> None:
    path = shared_path(*V2, "download-array-10.json")
    report = ingest_paths([path], tmp_store, progress=False)
    assert report.loaded == 10 and report.ok
    before = len(TrialStore.open(tmp_store, read_only=True))
    with TrialStore.open(tmp_store) as again:  # a new writer sees what the first one wrote
        assert len(again.study_ids()) == 10
        assert len(again) == before
    reader = TrialStore.open(tmp_store, read_only=True)
    assert reader.read_only and len(reader.study_ids()) == 10


def test_new_store_has_the_ontology_graph(tmp_store: Path) -> None:
    ingest_paths([shared_path(*V2, "NCT00973089.json")], tmp_store, progress=False)
    kinds = {g.kind for g in TrialStore.open(tmp_store, read_only=True).graph_infos()}
    assert {"ontology", "study"} <= kinds


def test_readers_open_while_a_writer_holds_the_store(
    tmp_store: Path, holder: subprocess.Popen[str]
) -> None:
    # The holder created the store (ontology graph); two readers at once, neither waits.
    first = open_for_reading(tmp_store)
    second = TrialStore.open(tmp_store, read_only=True)
    assert first.named_graphs() == second.named_graphs() != []
    result = run_cli("graphs", "--store", str(tmp_store))
    assert result.returncode == 0, result.stderr
    assert "ontology" in result.stdout
    assert f"being written by pid {holder.pid}" in result.stderr


def test_second_writer_gets_a_clear_message(
    tmp_store: Path, holder: subprocess.Popen[str]
) -> None:
    record = shared_path(*V2, "NCT00973089.json")
    result = run_cli("ingest", "--store", str(tmp_store), str(record))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"trialkg: error: the store at {tmp_store} is being written by pid {holder.pid}; "
        "wait for it to finish or use --wait"
    )
    with pytest.raises(StoreLockedError, match=f"pid {holder.pid}"):
        TrialStore.open(tmp_store)


def test_wait_waits_for_the_writer(tmp_store: Path, holder: subprocess.Popen[str]) -> None:
    record = shared_path(*V2, "NCT00973089.json")
    waiting = subprocess.Popen(
        [sys.executable, "-m", "trialkg", "ingest", "--wait", "--store", str(tmp_store),
         str(record)], stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    assert waiting.poll() is None  # still waiting for the lock
    assert holder.stdin is not None
    holder.stdin.close()
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "1 study loaded" in err


@pytest.mark.parametrize("order", [(OLD, NEW), (NEW, OLD)], ids=["old-first", "new-first"])
def test_graphs_lists_the_newest_version(tmp_store: Path, order: tuple[str, str]) -> None:
    for name in order:
        assert run_cli("ingest", "--store", str(tmp_store), str(shared_path(*V2, name)))\
            .returncode == 0
    result = run_cli("graphs", "--store", str(tmp_store), "NCT04267848", "--format", "json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["graph"] == "https://w3id.org/trialkg/graph/study/NCT04267848"
    assert row["kind"] == "study"
    assert row["version"] == "2025-09-11"
    assert row["source"].endswith(NEW)
    assert row["triples"] > 1000
    table = run_cli("graphs", "--store", str(tmp_store), "--kind", "study").stdout
    assert table.splitlines()[0].split() == ["graph", "kind", "triples", "version",
                                             "ingested", "source"]
    assert "study/NCT04267848" in table and "2025-09-11" in table


def test_graph_triples_match_a_fresh_ingest(tmp_store: Path) -> None:
    old, new = shared_path(*V2, OLD), shared_path(*V2, NEW)
    ingest_paths([old], tmp_store, progress=False)
    report = ingest_paths([new], tmp_store, progress=False)
    assert (report.loaded, report.replaced) == (1, 1)
    fresh = TrialStore.memory()
    fresh.ingest(load_studies(new))
    stored = TrialStore.open(tmp_store, read_only=True)
    graph = "https://w3id.org/trialkg/graph/study/NCT04267848"
    (info,) = stored.graph_infos([graph])
    assert info.triples == sum(1 for _ in fresh.quads([graph])) > 13_000
    assert len(stored) - len(fresh) == sum(  # and nothing stale elsewhere (entities)
        1 for g in stored.named_graphs() if g.endswith(("/ontology", "/mesh", "/summary"))
        for _ in stored.quads([g]))


def test_remove(tmp_store: Path) -> None:
    ingest_paths([shared_path(*V2, "download-array-10.json")], tmp_store, progress=False)
    ids = TrialStore.open(tmp_store, read_only=True).study_ids()
    gone = run_cli("remove", "--store", str(tmp_store), ids[0])
    assert gone.returncode == 0 and "removed 1 study" in gone.stderr
    left = TrialStore.open(tmp_store, read_only=True).study_ids()
    assert left == ids[1:]
    missing = run_cli("remove", "--store", str(tmp_store), ids[0], ids[1])
    assert missing.returncode == 1
    assert f"removed 1 study; not in the store: {ids[0]}" in missing.stderr


def test_unchanged_studies_are_skipped(tmp_store: Path) -> None:
    folder = shared_path(*V2)
    first = ingest_paths([folder], tmp_store, progress=False)
    assert first.ok and first.loaded > 0
    again = ingest_paths([folder], tmp_store, progress=False)
    assert (again.loaded, again.triples) == (0, 0)
    # every record is either unchanged or an older capture of a study stored in a newer one
    assert again.unchanged + again.older == first.loaded + first.unchanged + first.older
    assert again.older == 6  # the same trials appear in older captures in other files


def test_same_version_is_skipped_before_mapping(tmp_store: Path) -> None:
    """A record with the stored version is skipped even if its content differs: the version
    check comes first and costs no mapping."""
    (study,) = load_studies(shared_path(*V2, "NCT00973089.json"))
    with TrialStore.open(tmp_store) as store:
        store.ingest([study])
        study.brief_title = "changed, but with the same record version"
        report = store.ingest([study])
        assert (report.unchanged, report.loaded) == (1, 0)
        study.version = None  # no version: mapped, then compared by digest
        report = store.ingest([study])
        assert (report.loaded, report.replaced) == (1, 1)
