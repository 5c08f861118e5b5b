"""`trialkg serve` as a subprocess on 127.0.0.1: protocol formats, read-only, limit, page."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from servers import trialkg_serve

pytestmark = pytest.mark.shared

LIMIT = 7
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
MANY = "SELECT ?s ?p ?o { ?s ?p ?o }"
TRIAL = "NCT00763412"


@pytest.fixture(scope="module")
def served(real_store: Path) -> Iterator[str]:
    with trialkg_serve("--store", str(real_store), "--limit", str(LIMIT), "--timeout", "20"
                       ) as base:
        yield base


def fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
          ) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize(("accept", "fmt"), [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_get_select_each_format(served: str, real_store: Path, accept: str,
                                fmt: ox.QueryResultsFormat) -> None:
    status, headers, body = fetch(f"{served}/sparql?{urlencode({'query': COUNT})}",
                                  headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].startswith(accept)
    rows = list(ox.parse_query_results(body, format=fmt))
    from trialkg.store import TrialStore

    assert int(rows[0]["n"].value) == len(TrialStore.open(real_store, read_only=True))


def test_post_csv_and_form(served: str) -> None:
    text = f"SELECT ?p {{ ctid:{TRIAL} ?p ?o }} LIMIT 1"
    status, headers, body = fetch(served + "/sparql", data=text.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0] == b"p" and len(body.splitlines()) == 2
    status, _, body = fetch(served + "/sparql", data=urlencode({"query": "ASK {}"}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b'"boolean":true' in body


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES)])
def test_construct_formats(served: str, accept: str, fmt: ox.RdfFormat) -> None:
    text = f"CONSTRUCT {{ ctid:{TRIAL} ?p ?o }} WHERE {{ ctid:{TRIAL} ?p ?o }}"
    status, headers, body = fetch(f"{served}/sparql?{urlencode({'query': text})}",
                                  headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(accept)
    triples = list(ox.parse(body, format=fmt))
    assert len(triples) == LIMIT  # the trial has more statements than the limit
    assert headers["X-TrialKG-Truncated"] == str(LIMIT)


def test_result_limit(served: str) -> None:
    status, headers, body = fetch(f"{served}/sparql?{urlencode({'query': MANY})}")
    assert status == 200
    assert len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))) == LIMIT
    assert headers["X-TrialKG-Truncated"] == str(LIMIT)
    _, headers, _ = fetch(f"{served}/sparql?{urlencode({'query': COUNT})}")
    assert "X-TrialKG-Truncated" not in headers


def test_updates_refused(served: str) -> None:
    for data, ctype in [
        (b"DROP ALL", "application/sparql-update"),
        (urlencode({"update": "DROP ALL"}).encode(), "application/x-www-form-urlencoded"),
        (b"INSERT DATA { <http://a> <http://b> <http://c> }", "application/sparql-query"),
    ]:
        status, _, body = fetch(served + "/sparql", data=data, headers={"Content-Type": ctype})
        assert status == 403, body
        assert b"read-only" in body
    status, _, _ = fetch(f"{served}/sparql?{urlencode({'query': COUNT})}")
    assert status == 200


def test_bad_query_and_format(served: str) -> None:
    status, _, body = fetch(f"{served}/sparql?{urlencode({'query': 'SELECT * { ?s }'})}")
    assert status == 400 and b"malformed query" in body
    status, _, body = fetch(f"{served}/sparql?{urlencode({'query': COUNT})}",
                            headers={"Accept": "image/png"})
    assert status == 406


def test_remote_endpoint_on_served(served: str) -> None:
    from trialkg.remote import RemoteEndpoint

    endpoint = RemoteEndpoint(served + "/sparql", retries=0, auth=False)
    assert endpoint.ask(f"ASK {{ ctid:{TRIAL} ?p ?o }}") is True


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    pytest.skip("needs Chromium for the page check (apt-get install -y chromium)")


def _page_dom(served: str, query: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The page's DOM after its scripts ran, in headless Chromium."""
    exe = _chromium()
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
             "--dump-dom", f"{served}/?{urlencode(query)}"],
            capture_output=True, text=True, timeout=120,
        )


@pytest.mark.slow
def test_page_in_headless_chromium(served: str, tmp_path: Path) -> None:
    # a stored query without parameters: the header examples are the bundled graph's, and
    # this server holds the real records
    name = "phase-status-counts"
    done = _page_dom(served, {"query": name, "run": "1"})
    dom = done.stdout
    assert "<h1>trialkg SPARQL</h1>" in dom, done.stderr[-2000:]
    assert 'id="result-table"' in dom, dom[-3000:]
    assert dom.count("<tr>") >= 2  # a header row and at least one result row
    assert f'<option value="{name}"' in dom


def test_queries_lists_each_parameter_with_default_and_example(served: str) -> None:
    import json

    status, _, body = fetch(served + "/queries")
    assert status == 200
    by_name = {q["name"]: q for q in json.loads(body)}
    sponsor = by_name["trials-by-sponsor"]
    assert [(p["name"], p["type"], p["default"]) for p in sponsor["params"]] == [
        ("sponsor", "string", None), ("role", "enum", "any")]
    assert sponsor["example"] == {"sponsor": "Novartis", "role": "lead"}


def test_run_binds_a_stored_query_parameters(served: str) -> None:
    import json

    url = served + "/run/trials-by-sponsor?" + urlencode({"sponsor": "AstraZeneca",
                                                          "role": "lead"})
    status, _, body = fetch(url, headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    assert rows and {r["as"]["value"] for r in rows} == {"lead"}
    assert all("AstraZeneca" in r["organisation"]["value"] for r in rows)
    missing, _, text = fetch(served + "/run/trials-by-sponsor")
    assert missing == 400 and b"needs parameter 'sponsor'" in text
    unknown, _, _ = fetch(served + "/run/no-such-query")
    assert unknown == 404


@pytest.mark.slow
def test_page_shows_an_input_per_parameter(served: str) -> None:
    dom = _page_dom(served, {"query": "trials-by-sponsor", "run": "1"}).stdout
    assert 'name="sponsor"' in dom and 'name="role"' in dom, dom[-3000:]
    assert 'id="result-table"' in dom, dom[-3000:]  # run with the example's Novartis/lead
