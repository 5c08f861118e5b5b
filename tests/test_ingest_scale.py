"""Streaming input, and atomicity of an ingest that is interrupted (Ctrl-C, SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import orjson
import pyoxigraph as ox
import pytest

from tests.conftest import shared_path
from trialkg.iris import TKG, study_graph_iri
from trialkg.mapping.study import study_quads
from trialkg.model import Study
from trialkg.sources import read_paths
from trialkg.store import TrialStore, is_transient_store_error
from trialkg.store.summary import SummaryState, summary_state

V2 = ("data", "ctgov-v2")


def real_records() -> list[dict[str, object]]:
    """Every study object of the shared API v2 records (arrays, pages and single files)."""
    out: list[dict[str, object]] = []
    for path in sorted(shared_path(*V2).glob("*.json")):
        doc = orjson.loads(path.read_bytes())
        if isinstance(doc, dict):
            doc = doc.get("studies", [doc])
        out.extend(d for d in doc if isinstance(d, dict) and "protocolSection" in d)
    return out


def renumbered(records: list[dict[str, object]], n: int) -> list[bytes]:
    """``n`` real records in turn, each with a fresh NCT id (NCT9xxxxxxx)."""
    out = []
    for i in range(n):
        rec = orjson.loads(orjson.dumps(records[i % len(records)]))
        rec["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
        out.append(orjson.dumps(rec))
    return out


def test_json_lines_stream_one_record_at_a_time(tmp_path: Path) -> None:
    """Read from a pipe: the first study comes out before the second line is written."""
    lines = renumbered(real_records(), 2)
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    first_seen = threading.Event()

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(lines[0] + b"\n")
            out.flush()
            first_seen.wait(timeout=30)
            out.write(lines[1] + b"\n")

    writer = threading.Thread(target=feed)
    writer.start()
    items = read_paths([fifo])
    first = next(items)
    assert isinstance(first, Study) and first.trial_id == "NCT90000000"
    assert writer.is_alive()  # the second line is not written yet: nothing read ahead
    first_seen.set()
    rest = list(items)
    writer.join()
    assert [s.trial_id for s in rest if isinstance(s, Study)] == ["NCT90000001"]


def test_json_lines_and_zip_ingest_the_same_studies(tmp_path: Path) -> None:
    lines = renumbered(real_records(), 120)
    jsonl = tmp_path / "studies.jsonl"
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    bulk = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(bulk, "w", zipfile.ZIP_DEFLATED) as archive:
        for line in lines:
            nct = orjson.loads(line)["protocolSection"]["identificationModule"]["nctId"]
            archive.writestr(f"ctg-studies/{nct}.json", line)
    stores = {}
    for name, path in (("jsonl", jsonl), ("zip", bulk)):
        store = TrialStore.memory()
        report = store.ingest(read_paths([path]), batch_size=25)
        assert (report.loaded, report.failed) == (120, 0), report.errors
        stores[name] = store
    assert stores["jsonl"].study_ids() == stores["zip"].study_ids()
    assert stores["jsonl"].study_ids()[0] == "NCT90000000"
    assert len(stores["jsonl"]) == len(stores["zip"])


def _start_ingest(store: Path, corpus: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trialkg", "ingest", "--store", str(store), "--no-progress",
         "--batch-size", "20", str(corpus)],
        stderr=subprocess.PIPE, text=True)


def _study_graphs(store: TrialStore) -> list[str]:
    return [g for g in store.named_graphs() if "/graph/study/" in g]


def _wait_for_studies(store_dir: Path, proc: subprocess.Popen[str], at_least: int) -> int:
    """Poll with read-only readers until the writer has committed ``at_least`` studies;
    every snapshot a reader sees must hold only complete studies."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the ingest finished before it could be interrupted"
        if TrialStore.exists(store_dir):
            try:
                seen = len(_study_graphs(TrialStore.open(store_dir, read_only=True)))
            except OSError as exc:  # the writer compacted under this reader: poll again
                assert is_transient_store_error(exc), exc
                continue
            if seen >= at_least:
                return seen
        time.sleep(0.2)
    raise AssertionError("the ingest made no progress")


def _assert_every_study_complete(store: TrialStore, expected: dict[str, Study]) -> int:
    graphs = _study_graphs(store)
    digest_p = ox.NamedNode(TKG + "recordDigest")
    for g in graphs:
        study = expected[g]
        # its own quads (the default graph), not the entities it describes on the way
        fresh = [q for q in study_quads(study) if q.graph_name == ox.DefaultGraph()]
        stored = list(store.quads([g]))  # the record, found as one
        assert len(stored) == len(fresh), g
        (digest,) = [q.object.value for q in stored if q.predicate == digest_p]
        assert digest == next(q.object.value for q in fresh if q.predicate == digest_p)
    return len(graphs)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Study]]:
    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "corpus.jsonl"
    path.write_bytes(b"\n".join(renumbered(real_records(), 600)) + b"\n")
    studies = {study_graph_iri(s.trial_id): s for s in read_paths([path])
               if isinstance(s, Study)}
    return path, studies


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_ingest_leaves_only_whole_studies(
    tmp_store: Path, corpus: tuple[Path, dict[str, Study]], how: signal.Signals
) -> None:
    path, studies = corpus
    proc = _start_ingest(tmp_store, path)
    _wait_for_studies(tmp_store, proc, at_least=60)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=120)
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert err.startswith("interrupted: ")
        loaded = int(err.split("interrupted: ")[1].split(" studies loaded")[0].replace(",", ""))
    else:
        assert proc.returncode == -signal.SIGKILL
    with TrialStore.open(tmp_store) as store:  # the writer's recovery runs here
        present = _assert_every_study_complete(store, studies)
        # Ctrl-C ends the ingest cleanly, with the summary counts of what is in; a killed
        # writer leaves the stale mark it set before writing, and readers are told.
        assert summary_state(store) == (SummaryState.FRESH if how == signal.SIGINT
                                        else SummaryState.STALE)
    assert 60 <= present < len(studies)
    counts = subprocess.run([sys.executable, "-m", "trialkg", "query", "run",
                             "phase-status-counts", "--store", str(tmp_store), "--format",
                             "csv"], capture_output=True, text=True, timeout=600)
    assert ("may predate its studies" in counts.stderr) == (how == signal.SIGKILL)
    if how == signal.SIGINT:
        assert present == loaded
        assert sum(int(line.rsplit(",", 1)[1]) for line in counts.stdout.splitlines()[1:]
                   ) == present
    # Ingesting again completes the store; the studies already in are skipped as unchanged.
    rerun = subprocess.run([sys.executable, "-m", "trialkg", "ingest", "--store",
                            str(tmp_store), "--no-progress", str(path)],
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(studies) - present} studies loaded, {present} unchanged" in rerun.stderr
    with TrialStore.open(tmp_store, read_only=True) as store:
        assert summary_state(store) == SummaryState.FRESH


@pytest.mark.parametrize("name", ["download-array-1.json", "download-array-10.json",
                                  "download-array-50.json"])
def test_huge_array_reader_splits_real_downloads_exactly(name: str) -> None:
    from trialkg.sources.json_stream import iter_array_elements

    path = shared_path(*V2, name)
    elements = [orjson.loads(e) for e in iter_array_elements(path)]
    assert elements == orjson.loads(path.read_bytes())


def test_huge_array_reader_reports_a_truncated_file(tmp_path: Path) -> None:
    from trialkg.sources.json_stream import MalformedArray, iter_array_elements

    data = shared_path(*V2, "download-array-10.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MalformedArray, match="truncated"):
        list(iter_array_elements(cut))
