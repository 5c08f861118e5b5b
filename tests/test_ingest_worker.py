"""Mapping in a worker process: the same graph and report as mapping in process.

Real records from ../shared/data/ctgov-v2 and the repository's curated records, real files,
real stores on disk; crash and Ctrl-C cases run the CLI as a user would.
"""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pyoxigraph as ox
import pytest

from tests.conftest import REPO, shared_path
from tests.test_ingest_scale import (
    _assert_every_study_complete,
    _study_graphs,
    _wait_for_studies,
    real_records,
    renumbered,
)
from trialkg.iris import study_graph_iri, trial_iri
from trialkg.model import Study
from trialkg.sources import read_paths
from trialkg.store import IngestReport, TrialStore
from trialkg.store.ingest import ingest_paths
from trialkg.store.worker import WORKER_FROM_BYTES, want_worker

V2 = ("data", "ctgov-v2")
OLD, NEW = "NCT04267848.2023-09-11.json", "NCT04267848.2025-09-11.json"


def _ingest_both(tmp_path: Path, *paths: Path, batch_size: int | None = None,
                 ) -> tuple[IngestReport, IngestReport, list[str], list[str]]:
    """Ingest into two new stores, in process and in a worker; reports and sorted quads."""
    out = []
    for worker in (False, True):
        where = tmp_path / ("worker" if worker else "in-process")
        report = ingest_paths(list(paths), where, progress=False, worker=worker,
                              batch_size=batch_size)
        with TrialStore.open(where, read_only=True) as store:
            quads = sorted(str(q) for q in store.quads())
        out.append((report, quads))
    (in_process, a), (in_worker, b) = out
    return in_process, in_worker, a, b


def _same_report(a: IngestReport, b: IngestReport) -> None:
    assert dataclasses.asdict(a) == dataclasses.asdict(b)


@pytest.fixture(autouse=True)
def _pinned_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both paths stamp the same ingest time (and the worker process inherits it)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.mark.shared
def test_worker_gives_the_same_graph_as_in_process(tmp_path: Path) -> None:
    """Every shared API v2 file (older and newer captures of the same trials, results,
    every container shape) and the curated records (additions in their own graphs, a
    published-evidence record), with small batches so that batches turn over."""
    paths = [shared_path(*V2), REPO / "curated"]
    in_process, in_worker, a, b = _ingest_both(tmp_path, *paths, batch_size=7)
    _same_report(in_process, in_worker)
    # newer captures replace older ones; the same trial in several files is unchanged
    assert (in_worker.ok, in_worker.loaded, in_worker.replaced, in_worker.unchanged) == (
        True, 82, 6, 5)
    assert "*" in in_worker.mesh_ids  # the evidence record
    assert a == b


@pytest.mark.shared
@pytest.mark.shared
def test_batches_loaded_in_the_background_leave_the_search_index_whole(
        tmp_path: Path) -> None:
    """A worker ingest loads each batch of new studies in a thread while the next batch
    comes in and writes the last batch's index rows meanwhile: after it, the index is
    marked fresh and holds the same rows as one rebuilt from the store, and as the
    in-process ingest's."""
    from trialkg.store.search import INDEX_FILE, TextIndex
    from trialkg.store.search.index import FRESH

    _ingest_both(tmp_path, shared_path(*V2), batch_size=5)
    rows = "SELECT d.iri, d.id, d.title, f.* FROM docs d JOIN fts f ON f.rowid = d.rowid ORDER BY 1"
    found = {}
    for name in ("in-process", "worker"):
        index = TextIndex.open(tmp_path / name / INDEX_FILE)
        assert index.state() == FRESH
        found[name] = index.conn.execute(rows).fetchall()
        # NCT04267848 gives pembrolizumab in an arm; NCT06171568 is at Lariboisière
        assert trial_iri("NCT04267848") in index.matching("pembrolizumab")
        assert trial_iri("NCT06171568") in index.matching("lariboisiere")
        with TrialStore.open(tmp_path / name, read_only=True) as store:
            trials = {q.subject.value for q in store.store.quads_for_pattern(
                None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("https://w3id.org/trialkg/vocab#ClinicalTrial"))}
            assert len(found[name]) == len(trials) > 40
            index.rebuild(store.store)
        assert index.conn.execute(rows).fetchall() == found[name]
        index.close()
    assert found["worker"] == found["in-process"]


def test_same_study_twice_and_bad_records(tmp_path: Path) -> None:
    """One JSON Lines file: a study, a malformed line, a newer capture of the same study in
    the same batch, a record the reader rejects, then the older capture again."""
    old, new = (orjson.loads(shared_path(*V2, n).read_bytes()) for n in (OLD, NEW))
    lines = [orjson.dumps(old), b'{"protocolSection": ', orjson.dumps(new),
             orjson.dumps({"protocolSection": {}}), orjson.dumps(old)]
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(lines) + b"\n")
    in_process, in_worker, a, b = _ingest_both(tmp_path, feed, tmp_path / "missing.jsonl")
    _same_report(in_process, in_worker)
    assert (in_worker.loaded, in_worker.replaced, in_worker.older) == (2, 1, 1)
    assert in_worker.failed == 3
    assert any("feed.jsonl [line 2]" in e for e in in_worker.errors)  # file and record
    assert any("missing.jsonl: no such file" in e for e in in_worker.errors)
    assert a == b


@pytest.mark.shared
def test_worker_skips_unchanged_before_mapping_and_replaces_changed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    record = orjson.loads(shared_path(*V2, "NCT00973089.json").read_bytes())
    path = tmp_path / "record.jsonl"
    path.write_bytes(orjson.dumps(record) + b"\n")
    first = ingest_paths([path], store, progress=False, worker=True)
    assert (first.loaded, first.ok) == (1, True)
    again = ingest_paths([path], store, progress=False, worker=True)
    assert (again.loaded, again.unchanged) == (0, 1)
    # Same record version, other content: skipped on the version alone, never mapped.
    ident = record["protocolSection"]["identificationModule"]
    ident["briefTitle"] = "changed, but with the same record version"
    path.write_bytes(orjson.dumps(record) + b"\n")
    same_version = ingest_paths([path], store, progress=False, worker=True)
    assert (same_version.loaded, same_version.unchanged) == (0, 1)
    # A newer version replaces the stored graph whole.
    record["derivedSection"]["miscInfoModule"]["versionHolder"] = "2030-01-01"
    path.write_bytes(orjson.dumps(record) + b"\n")
    newer = ingest_paths([path], store, progress=False, worker=True)
    assert (newer.loaded, newer.replaced) == (1, 1)
    (study,) = [s for s in read_paths([path]) if isinstance(s, Study)]
    with TrialStore.open(store) as opened:
        assert _assert_every_study_complete(opened, {study_graph_iri(study.trial_id): study}) == 1
        (info,) = opened.graph_infos([study_graph_iri(study.trial_id)])
        assert info.version == "2030-01-01"


@pytest.mark.parametrize("importer_name", ["ctgov-json", "ctgov-xml", "curated"])
def test_text_mapping_is_the_serialised_term_mapping(importer_name: str) -> None:
    """The worker maps straight to N-Quads text (no Quad objects): byte for byte what
    Oxigraph's serialiser writes of the terms, same count, same digest, same failures — on
    real records of every importer and on mutations of them (control characters, quotes,
    unicode, huge strings, wrong types ...)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.fuzz import IMPORTERS, MUTATIONS, mutate
    from tests.test_hardening import seed_records
    from trialkg.mapping.study import study_quads, study_text

    importer = IMPORTERS[importer_name]
    records = seed_records(importer)

    def same(data: bytes) -> None:
        for item in importer.read(data):
            if not isinstance(item, Study):
                continue
            try:
                quads = study_quads(item, ingested_at="2020-01-01T00:00:00Z")
            except (ValueError, TypeError) as exc:
                with pytest.raises(type(exc)):
                    study_text(item, ingested_at="2020-01-01T00:00:00Z")
                continue
            text, count, digest = study_text(item, ingested_at="2020-01-01T00:00:00Z")
            assert text == ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
            assert count == len(quads)
            assert f'"{digest}"'.encode() in text.split(b"\n")[1]

    for record in records:
        same(record)

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(index=st.integers(0, len(records) - 1), seed=st.integers(0, 2**32),
           kind=st.sampled_from(sorted(k for k in MUTATIONS if k != "huge string")))
    def mutated(index: int, seed: int, kind: str) -> None:
        same(mutate(importer, records[index], kind, random.Random(seed)))

    mutated()


def test_worker_reports_an_unexpected_error_as_a_message() -> None:
    """An error the worker cannot skip (here: a writer that sent nonsense) comes back as one
    ``fatal`` message naming it, never as a traceback; the writer stops on it."""
    import pickle
    import struct

    done = subprocess.run([sys.executable, "-m", "trialkg.store.worker"],
                          input=pickle.dumps({"files": 5, "known": {}}), capture_output=True,
                          timeout=120)
    assert (done.returncode, done.stderr) == (0, b"")
    messages, out = [], done.stdout
    while out:
        (size,) = struct.unpack(">Q", out[:8])
        messages += pickle.loads(out[8:8 + size])
        out = out[8 + size:]
    (kind, text), = messages
    assert kind == "fatal" and text.startswith("the ingest worker failed: TypeError: ")


def test_worker_only_where_it_pays(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"{}\n")
    big = tmp_path / "big.jsonl"
    big.write_bytes(b" " * WORKER_FROM_BYTES)
    assert not want_worker([big], TrialStore.memory())  # in memory: always in process
    assert want_worker([small], TrialStore.memory(), worker=True)  # unless asked
    with TrialStore.open(tmp_path / "store") as store:
        assert not want_worker([small], store)
        assert want_worker([big], store) == ((os.cpu_count() or 1) >= 2 and os.name == "posix")
        assert not want_worker([big], store, worker=False)


# --- crashes and Ctrl-C (the CLI, as a user runs it) ---------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Study]]:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_bytes(b"\n".join(renumbered(real_records(), 400)) + b"\n")
    studies = {study_graph_iri(s.trial_id): s for s in read_paths([path])
               if isinstance(s, Study)}
    return path, studies


def _start(store: Path, corpus: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trialkg", "ingest", "--store", str(store), "--no-progress",
         "--worker", "--batch-size", "20", str(corpus)],
        stderr=subprocess.PIPE, text=True, start_new_session=True)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _rerun_completes(store: Path, corpus: Path, present: int, total: int) -> None:
    rerun = subprocess.run([sys.executable, "-m", "trialkg", "ingest", "--store", str(store),
                            "--no-progress", "--worker", str(corpus)],
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{total - present} studies loaded, {present} unchanged" in rerun.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the worker in /proc")
def test_killed_worker_gives_a_clear_error_and_only_whole_studies(
    tmp_store: Path, corpus: tuple[Path, dict[str, Study]]
) -> None:
    path, studies = corpus
    proc = _start(tmp_store, path)
    _wait_for_studies(tmp_store, proc, at_least=40)
    (worker,) = _children(proc.pid)
    os.kill(worker, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-2] == ("error: the ingest worker process was killed by signal 9 (SIGKILL) "
                         "before the end of the input")
    assert lines[-1].startswith("stopped: ") and lines[-1].endswith(
        "(the batch in progress was discarded whole)")
    loaded = int(lines[-1].split("stopped: ")[1].split(" studies loaded")[0].replace(",", ""))
    with TrialStore.open(tmp_store) as store:
        present = _assert_every_study_complete(store, studies)
    assert present == loaded and 40 <= present < len(studies)
    _rerun_completes(tmp_store, path, present, len(studies))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the worker in /proc")
def test_ctrl_c_at_the_terminal_stops_writer_and_worker(
    tmp_store: Path, corpus: tuple[Path, dict[str, Study]]
) -> None:
    """A terminal's Ctrl-C goes to the whole foreground process group: the writer stops
    between records and ends its worker, which never sees the signal (no traceback)."""
    path, studies = corpus
    proc = _start(tmp_store, path)
    _wait_for_studies(tmp_store, proc, at_least=40)
    (worker,) = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.startswith("interrupted: ")
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
    loaded = int(err.split("interrupted: ")[1].split(" studies loaded")[0].replace(",", ""))
    with TrialStore.open(tmp_store) as store:
        present = _assert_every_study_complete(store, studies)
        assert len(_study_graphs(store)) == present == loaded
    _rerun_completes(tmp_store, path, present, len(studies))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the worker in /proc")
def test_worker_of_a_killed_ingest_does_not_linger(tmp_path: Path) -> None:
    """``kill -9`` of the ingest while its worker waits on a slow input (a pipe that says
    no more): the worker notices its parent is gone and exits."""
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialkg", "ingest", "--store", str(tmp_path / "store"),
         "--no-progress", "--worker", str(fifo)], stderr=subprocess.PIPE, text=True)
    with open(fifo, "wb") as feed:  # opens once the worker reads it
        feed.write(renumbered(real_records(), 1)[0] + b"\n")
        feed.flush()
        deadline = time.monotonic() + 60
        while not _children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        (worker,) = _children(proc.pid)
        time.sleep(3)  # the record is mapped and sent; the worker now waits for the next line
        assert _alive(worker)
        proc.kill()
        proc.communicate(timeout=60)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker)
