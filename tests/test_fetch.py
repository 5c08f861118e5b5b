"""`trialkg fetch`, `searches` and `sync` against a local stand-in for the ClinicalTrials.gov
API v2 (tests/ctgov_server.py, on 127.0.0.1) serving the real records of
../shared/data/ctgov-v2. Where that server knowingly differs from the real API is written
in its module docstring: plain word matching instead of Essie, NCT-id order instead of
relevance, offset page tokens, a Content-Length on the archive.

The CLI runs as a user runs it (a subprocess), with the request rate raised
(``TRIALKG_CTGOV_RATE``) so the tests do not wait a second and more per request.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import run_cli, shared_path
from tests.ctgov_server import CtgovServer, Fault, load_records
from trialkg.iris import GRAPH, TKG, study_graph_iri, trial_iri
from trialkg.store import TrialStore
from trialkg.store.searches import load_searches, save_search

pytestmark = pytest.mark.shared

SITE = ox.NamedNode(TKG + "site")
#: what a person finds in the records: the five studies whose conditions name COVID-19
COVID = {"NCT04431453", "NCT05894499", "NCT05894525", "NCT05894590", "NCT05897541"}
#: the 13 studies whose overallStatus is COMPLETED (72 distinct studies in the folder)
COMPLETED = {"NCT00763412", "NCT02210780", "NCT02299791", "NCT02552212", "NCT02663973",
             "NCT03064438", "NCT03418623", "NCT03630471", "NCT04431453", "NCT05594173",
             "NCT05882279", "NCT05913115", "NCT05932303"}
#: provenance that says where and when, which differs between two loads of the same record
_WHERE_WHEN = {TKG + "sourceFile", TKG + "retrievedAt", TKG + "fromSearch",
               "http://www.w3.org/ns/prov#generatedAtTime"}


@pytest.fixture()
def server() -> Iterator[CtgovServer]:
    records = load_records(shared_path("data", "ctgov-v2"))
    with CtgovServer(records) as running:
        yield running


def _env(server: CtgovServer) -> dict[str, str]:
    return {"TRIALKG_CTGOV_API": server.url, "TRIALKG_CTGOV_RATE": "100000",
            "TRIALKG_CTGOV_ARCHIVE": ""}


def fetch(server: CtgovServer, store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("fetch", "--store", str(store), *args, env=_env(server))


def _ids(store_dir: Path) -> set[str]:
    with TrialStore.open(store_dir, read_only=True) as store:
        return set(store.study_ids())


def _study_quads(store_dir: Path, what: set[str] = _WHERE_WHEN) -> set[tuple[str, ...]]:
    """Every quad but the saved searches and the where-and-when of each record, as text."""
    with TrialStore.open(store_dir, read_only=True) as store:
        return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
                for q in store.store.quads_for_pattern(None, None, None, None)
                if q.predicate.value not in what
                and q.graph_name != ox.NamedNode(GRAPH + "searches")}


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


# --- searching ------------------------------------------------------------------------


def test_search_loads_exactly_the_matching_studies(server: CtgovServer, tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = fetch(server, store, "--condition", "covid")
    assert result.returncode == 0, result.stderr
    assert _ids(store) == COVID
    assert "the registry matches 5 studies" in result.stderr
    count = fetch(server, store, "--condition", "covid", "--count")
    assert count.stdout.strip() == "5"


def test_update_date_filter(server: CtgovServer, tmp_path: Path) -> None:
    # last update posted: NCT04431453 2023-12-22, NCT05894499 2023-06-22, NCT05897541
    # 2023-06-15, NCT05894525 and NCT05894590 2023-06-08
    since = fetch(server, tmp_path / "s", "--condition", "covid",
                  "--updated-since", "2023-06-10")
    assert since.returncode == 0, since.stderr
    assert _ids(tmp_path / "s") == {"NCT04431453", "NCT05894499", "NCT05897541"}
    asked = server.page_hits()[-1].query
    assert asked["filter.advanced"] == ["AREA[LastUpdatePostDate]RANGE[2023-06-10,MAX]"]


def test_statuses_and_phases_are_read_tolerantly(server: CtgovServer, tmp_path: Path) -> None:
    result = fetch(server, tmp_path / "s", "--status", "not yet recruiting,Recruiting",
                   "--phase", "phase 2", "--phase", "3", "--count")
    assert result.returncode == 0, result.stderr
    asked = server.page_hits()[-1].query
    assert asked["filter.overallStatus"] == ["NOT_YET_RECRUITING|RECRUITING"]
    assert asked["filter.advanced"] == ["(AREA[Phase]PHASE2 OR AREA[Phase]PHASE3)"]
    expected = {n for n, s in server.records.items()
                if s["protocolSection"]["statusModule"]["overallStatus"]
                in ("NOT_YET_RECRUITING", "RECRUITING")
                and {"PHASE2", "PHASE3"} & set(s["protocolSection"].get("designModule", {})
                                               .get("phases", []))}
    assert int(result.stdout) == len(expected) > 0
    bad = fetch(server, tmp_path / "s", "--phase", "phase 9", "--count")
    assert bad.returncode == 2 and "unknown phase 'phase 9'" in bad.stderr


def test_sponsor_with_an_ampersand_is_one_parameter(server: CtgovServer, tmp_path: Path) -> None:
    result = fetch(server, tmp_path / "s", "--sponsor", "Johnson & Johnson", "--count")
    # a parameter joined by hand would reach the server as `query.spons=Johnson ` and an
    # unknown parameter ` Johnson`, which it refuses with a 400
    assert result.returncode == 0, result.stderr
    assert server.page_hits()[-1].query["query.spons"] == ["Johnson & Johnson"]


def test_status_filter_and_paging_over_many_pages_lose_and_repeat_nothing(server: CtgovServer,
                                                          tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = fetch(server, store, "--status", "completed", "--page-size", "4")
    assert result.returncode == 0, result.stderr
    pages = server.page_hits()
    assert len(pages) == 4  # 13 studies, 4 a page
    tokens = [h.query.get("pageToken", [""])[0] for h in pages]
    assert len(set(tokens)) == 4
    assert "13 studies received in 4 pages; 13 studies loaded" in result.stderr
    assert _ids(store) == COMPLETED


def test_fetch_by_ids_and_an_unknown_id_is_named(server: CtgovServer, tmp_path: Path) -> None:
    store = tmp_path / "store"
    one = fetch(server, store, "NCT04267848")
    assert one.returncode == 0, one.stderr
    assert "1 study received in 1 page; 1 study loaded" in one.stderr
    assert server.hits[-1].path == "/api/v2/studies/NCT04267848"
    missing = fetch(server, store, "NCT99999999")
    assert missing.returncode == 1
    assert "NCT99999999: no such study in the registry" in missing.stderr
    _no_traceback(missing)
    several = fetch(server, store, "NCT00763412", "NCT99999998", "NCT04431453")
    assert several.returncode == 1
    assert "error: NCT99999998: no such study in the registry" in several.stderr
    assert _ids(store) == {"NCT04267848", "NCT00763412", "NCT04431453"}


def test_provenance_names_the_request_the_time_and_the_search(server: CtgovServer,
                                                              tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert fetch(server, store, "--condition", "covid", "--name", "covid19").returncode == 0
    with TrialStore.open(store, read_only=True) as ts:
        g = ox.NamedNode(study_graph_iri("NCT04431453"))

        def value(p: str) -> str:
            return str(next(ts.store.quads_for_pattern(g, ox.NamedNode(p), None,
                                                       ox.DefaultGraph())).object.value)

        assert value(TKG + "sourceFile").startswith(server.url + "/studies?query.cond=covid")
        assert value(TKG + "retrievedAt").startswith(time.strftime("%Y-"))
        assert value(TKG + "fromSearch") == "https://w3id.org/trialkg/search/covid19"
        # the record's own version date (derivedSection.miscInfoModule.versionHolder)
        assert value(TKG + "recordVersion") == "2024-01-30"
        saved = load_searches(ts)
    assert [(s.name, s.search.condition, s.matched) for s in saved] == [
        ("covid19", "covid", COVID)]
    listed = run_cli("searches", "--store", str(store), "--format", "json")
    assert json.loads(listed.stdout)[0]["parameters"] == {"condition": "covid"}
    # the fetch kept the store's full-text index in step (the ingest's batches keep it)
    found = run_cli("search", "covid OR sars", "--store", str(store),
                    "--format", "json")
    assert {h["id"] for h in json.loads(found.stdout)} == COVID, found.stderr
    table = run_cli("searches", "--store", str(store)).stdout.splitlines()
    assert table[0].split() == ["name", "parameters", "last", "run", "studies", "API"]
    assert table[2].split()[0] == "covid19" and f"  {len(COVID)}  " in table[2]


def test_requests_are_paced(server: CtgovServer) -> None:
    from trialkg.sources.ctgov_api import CtgovClient, Search

    client = CtgovClient(server.url, rate=120)  # one request every half second
    pages = list(client.pages(Search(statuses=("COMPLETED",)), page_size=5))
    assert [len(p.studies) for p in pages] == [5, 5, 3]
    at = [h.at for h in server.page_hits()]  # as the server saw them arrive
    assert at[-1] - at[0] >= 0.9
    assert all(b - a >= 0.4 for a, b in itertools.pairwise(at))


# --- faults ---------------------------------------------------------------------------


def test_429_waits_as_retry_after_says(server: CtgovServer, tmp_path: Path) -> None:
    server.fail(Fault("status", status=429, body="Too Many Requests",
                      headers={"Retry-After": "1"}, when="pageToken"))
    store = tmp_path / "store"
    result = fetch(server, store, "--status", "completed", "--page-size", "5")
    assert result.returncode == 0, result.stderr
    assert _ids(store) == COMPLETED
    statuses = [h.status for h in server.page_hits()]
    assert statuses == [200, 429, 200, 200]
    hits = server.page_hits()
    assert hits[2].at - hits[1].at >= 1.0
    assert hits[2].query == hits[1].query  # the same page asked again


def test_5xx_is_retried_then_reported_in_one_line(server: CtgovServer, tmp_path: Path) -> None:
    server.fail(Fault("status", status=503, body="Service Unavailable", when="pageToken"))
    store = tmp_path / "store"
    ok = fetch(server, store, "--status", "completed", "--page-size", "5")
    assert ok.returncode == 0, ok.stderr
    assert _ids(store) == COMPLETED
    server.fail(Fault("status", status=500, body="boom", times=100, when="pageToken=off5"))
    failed = fetch(server, tmp_path / "s2", "--status", "completed", "--page-size", "5",
                   "--retries", "1")
    assert failed.returncode == 1
    _no_traceback(failed)
    assert "failed with HTTP 500 after 2 tries: boom" in failed.stderr
    # the first page (5 studies, sorted by NCT id) is kept, nothing of the failed one
    assert _ids(tmp_path / "s2") == set(sorted(COMPLETED)[:5])


def test_400_shows_the_api_message(server: CtgovServer, tmp_path: Path) -> None:
    result = fetch(server, tmp_path / "s", "--advanced", "AREA[NoSuchField]X")
    assert result.returncode == 1
    _no_traceback(result)
    lines = [x for x in result.stderr.splitlines() if x.startswith("trialkg: error")]
    assert lines == ["trialkg: error: the registry refused the search (HTTP 400): "
                     "filter.advanced: this test server does not know 'AREA[NoSuchField]X'"]


def test_a_cut_off_page_is_asked_again(server: CtgovServer, tmp_path: Path) -> None:
    server.fail(Fault("cut", when="pageToken=off5"))
    store = tmp_path / "store"
    result = fetch(server, store, "--status", "completed", "--page-size", "5")
    assert result.returncode == 0, result.stderr
    assert _ids(store) == COMPLETED


def test_a_page_that_is_not_whole_json_is_never_half_loaded(server: CtgovServer,
                                                            tmp_path: Path) -> None:
    server.fail(Fault("garbage", times=100, when="pageToken=off10"))
    store = tmp_path / "store"
    result = fetch(server, store, "--status", "completed", "--page-size", "5")
    assert result.returncode == 1
    _no_traceback(result)
    assert "is cut off" in result.stderr and "nothing of it was loaded" in result.stderr
    assert _ids(store) == set(sorted(COMPLETED)[:10])  # two whole pages, none of the third
    # the same command again continues: the first ten are skipped as unchanged
    server.faults.clear()
    again = fetch(server, store, "--status", "completed", "--page-size", "5")
    assert again.returncode == 0, again.stderr
    assert "3 studies loaded, 10 unchanged" in again.stderr
    assert _ids(store) == COMPLETED


_KILL_ARGS = ("--status", "completed", "--page-size", "3", "--batch-size", "3")


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, ...]]:
    """The store of one uninterrupted run of the fetch the kill tests stop."""
    store = tmp_path_factory.mktemp("clean") / "store"
    with CtgovServer(load_records(shared_path("data", "ctgov-v2"))) as server:
        assert fetch(server, store, *_KILL_ARGS).returncode == 0
    return _study_quads(store)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_fetch_killed_then_run_again_equals_one_clean_run(
        server: CtgovServer, tmp_path: Path, how: signal.Signals,
        clean_run: set[tuple[str, ...]]) -> None:
    args = _KILL_ARGS
    # the third page is slow to come: the fetch is stopped while it waits for it
    server.fail(Fault("slow", delay=5.0, when="pageToken=off6"))
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "trialkg", "fetch", "--store", str(store),
                             *args], env={**os.environ, **_env(server)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not any("off6" in str(h.query) for h in server.hits):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(how)
    if how == signal.SIGINT:  # the first Ctrl-C stops between records; a second one at once
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == (-9 if how == signal.SIGKILL else 130), stderr
    assert "Traceback" not in stderr
    kept = _ids(store)
    assert kept == set(sorted(COMPLETED)[:6])  # the two pages committed before it
    again = fetch(server, store, *args)
    assert again.returncode == 0, again.stderr
    assert "7 studies loaded, 6 unchanged" in again.stderr
    assert _study_quads(store) == clean_run


# --- sync -----------------------------------------------------------------------------


def test_sync_replaces_a_changed_study_and_reports_what_no_longer_matches(
        server: CtgovServer, tmp_path: Path, ctgov_v2_dir: Path) -> None:
    store = tmp_path / "store"
    first = fetch(server, store, "--condition", "lung cancer", "--name", "lung")
    assert first.returncode == 0, first.stderr
    lung = _ids(store)
    assert "NCT04267848" in lung
    # as if the search had last run on 2024-06-01, before the 2025 capture was posted
    with TrialStore.open(store) as ts:
        saved = load_searches(ts, ["lung"])[0]
        saved.last_run = "2024-06-01T00:00:00Z"
        save_search(ts, saved)
        assert sum(1 for _ in ts.store.quads_for_pattern(
            ox.NamedNode(trial_iri("NCT04267848")), SITE, None, None)) == 2
    server.set_record(json.loads((ctgov_v2_dir / "NCT04267848.2025-09-11.json").read_bytes()))
    # another study of the search is updated and no longer about lung cancer
    other = sorted(lung - {"NCT04267848"})[0]
    moved = copy.deepcopy(server.records[other])
    ps = moved["protocolSection"]
    ps["conditionsModule"] = {"conditions": ["Psoriasis"]}
    ps["identificationModule"]["briefTitle"] = "A psoriasis study"
    ps["identificationModule"].pop("officialTitle", None)
    ps["identificationModule"].pop("acronym", None)
    moved.get("derivedSection", {}).pop("conditionBrowseModule", None)
    ps["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2025-10-01"}
    server.set_record(moved)
    result = run_cli("sync", "--store", str(store), env=_env(server))
    assert result.returncode == 0, result.stderr
    assert "lung: updated since 2024-06-01: 0 added, 1 changed" in result.stdout
    assert f"1 no longer match the search (kept): {other}" in result.stdout
    with TrialStore.open(store, read_only=True) as ts:
        assert sum(1 for _ in ts.store.quads_for_pattern(
            ox.NamedNode(trial_iri("NCT04267848")), SITE, None, None)) == 1148
        saved = load_searches(ts, ["lung"])[0]
        assert saved.last_run[:10] == time.strftime("%Y-%m-%d", time.gmtime())
        assert other not in saved.matched and "NCT04267848" in saved.matched
    assert _ids(store) == lung  # nothing deleted
    asked = [h.query for h in server.page_hits()][-2:]
    assert all("AREA[LastUpdatePostDate]RANGE[2024-06-01,MAX]" in q["filter.advanced"][0]
               for q in asked)


# --- saved pages, the archive -----------------------------------------------------------


@pytest.mark.slow
def test_saved_pages_ingest_to_the_same_graph(server: CtgovServer, tmp_path: Path) -> None:
    fetched, pages, ingested = tmp_path / "fetched", tmp_path / "pages", tmp_path / "ingested"
    result = fetch(server, fetched, "--status", "completed", "--page-size", "5",
                   "--save", str(pages))
    assert result.returncode == 0, result.stderr
    saved = sorted(pages.glob("*.json"))
    assert len(saved) == 3
    first = json.loads(saved[0].read_bytes())  # the API's page as it came, paging included
    assert (first["totalCount"], first["nextPageToken"], len(first["studies"])) == (13, "off5", 5)
    assert run_cli("ingest", "--store", str(ingested), str(pages)).returncode == 0
    # the same quads (no blank nodes: the same graph) but for where and when each came from
    assert _study_quads(fetched) == _study_quads(ingested)
    assert _ids(ingested) == COMPLETED


def test_all_downloads_the_archive_resuming_a_dropped_connection(server: CtgovServer,
                                                                 tmp_path: Path) -> None:
    store, where = tmp_path / "store", tmp_path / "dl"
    # a first run whose connection drops after 50,000 bytes, with no retries: it stops and
    # keeps what it has
    server.fail(Fault("drop", path="/download", after=50_000))
    cut = fetch(server, store, "--all", "--save", str(where), "--retries", "0")
    assert cut.returncode == 1
    _no_traceback(cut)
    assert "run the same command again to resume it" in cut.stderr
    assert (where / "ctg-studies.json.zip.part").stat().st_size == 50_000
    # the second run resumes there, and takes up a second drop by itself
    server.fail(Fault("drop", path="/download", after=100_000))
    result = fetch(server, store, "--all", "--save", str(where))
    assert result.returncode == 0, result.stderr
    size = (where / "ctg-studies.json.zip").stat().st_size
    unit = f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.1f} KB"
    assert f"({unit}, resuming at 50.0 KB) to" in result.stderr  # said before it started
    hits = [h for h in server.hits if h.path.endswith("/download")]
    assert [h.status for h in hits] == [200, 206, 206]
    assert not list(where.glob("*.part"))
    assert len(_ids(store)) == 72


@pytest.mark.slow
def test_benchmark_script_runs_end_to_end(tmp_path: Path) -> None:
    shared_path("data", "ctgov-v2")
    table = tmp_path / "fetch.md"
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(repo / "benchmarks" / "bench_fetch.py"),
                           "--studies", "20", "--page-size", "10", "--output", str(table)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = table.read_text(encoding="utf-8")
    assert "| fetch (fresh store) | 2 | 20 |" in text
    assert "0 studies loaded, 20 unchanged" in text
