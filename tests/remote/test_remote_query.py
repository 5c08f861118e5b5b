"""Push the real-records store to a real Oxigraph server; queries answer the same remotely."""

from __future__ import annotations

import os
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import SPARQLWrapper
from servers import Oxigraph, Proxy, free_port, run_cli, self_signed

from trialkg.exceptions import AuthenticationError, EndpointError, QueryError
from trialkg.queries import LocalExecutor
from trialkg.remote import Credentials, RemoteEndpoint
from trialkg.store import TrialStore

pytestmark = pytest.mark.shared

TRIAL = "NCT00763412"  # a real record of ../shared with posted results

SELECTS = {
    "types": "SELECT ?type (COUNT(?s) AS ?n) { ?s a ?type } GROUP BY ?type",
    "one-trial": f"SELECT ?p ?o {{ ctid:{TRIAL} ?p ?o }}",
    "optional-lang": "SELECT ?s ?label { ?s ?p ?o OPTIONAL { ?s rdfs:label ?label } } LIMIT 0",
}


def rows(result: ox.QuerySolutions) -> tuple[list[str], list[tuple[str, ...]]]:
    names = [v.value for v in result.variables]
    return names, sorted(tuple(str(r[n]) for n in names) for r in result)


@pytest.fixture(scope="module")
def pushed(real_store: Path, oxigraph_server: Oxigraph) -> RemoteEndpoint:
    done = run_cli("push", "--store", str(real_store), "--endpoint", oxigraph_server.store,
                   "--no-progress")
    assert done.returncode == 0, done.stderr
    return RemoteEndpoint(oxigraph_server.query, retries=0, auth=False)


@pytest.fixture(scope="module")
def local(real_store: Path) -> LocalExecutor:
    return LocalExecutor(TrialStore.open(real_store, read_only=True))


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_select_same_rows(name: str, pushed: RemoteEndpoint, local: LocalExecutor) -> None:
    remote_rows = rows(pushed.select(SELECTS[name]))
    local_result = local.query(SELECTS[name])
    assert isinstance(local_result, ox.QuerySolutions)
    assert remote_rows == rows(local_result)


def test_every_graph_arrives_whole(pushed: RemoteEndpoint, real_store: Path) -> None:
    """The server gets one named graph per study record (what ``trialkg graphs`` lists),
    though the local store keeps those records in its default graph."""
    _, remote = rows(pushed.select(
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
    infos = TrialStore.open(real_store, read_only=True).graph_infos()
    assert {(g.strip("<>"), int(n.split('"')[1])) for g, n in remote} == {
        (i.iri, i.triples) for i in infos}
    assert (f"https://w3id.org/trialkg/graph/study/{TRIAL}", 1607) in {
        (i.iri, i.triples) for i in infos}


def test_the_trial_is_there_with_its_triples(pushed: RemoteEndpoint,
                                             local: LocalExecutor) -> None:
    _, got = rows(pushed.select(SELECTS["one-trial"]))
    assert len(got) > 10
    assert pushed.ask(f"ASK {{ ctid:{TRIAL} ?p ?o }}") is True
    assert pushed.ask("ASK { ctid:NCT00000000 ?p ?o }") is False


def test_construct_same_triples(pushed: RemoteEndpoint, local: LocalExecutor) -> None:
    text = f"CONSTRUCT {{ ctid:{TRIAL} ?p ?o }} WHERE {{ ctid:{TRIAL} ?p ?o }}"
    remote = set(pushed.construct(text))
    assert remote == set(local.query(text))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert any(t.predicate == rdf_type for t in remote)


@pytest.mark.slow
def test_push_twice_changes_nothing(real_store: Path, oxigraph: Oxigraph) -> None:
    local_count = len(TrialStore.open(real_store, read_only=True))
    for _ in range(2):
        done = run_cli("push", "--store", str(real_store), "--endpoint", oxigraph.store,
                       "--no-progress")
        assert done.returncode == 0, done.stderr
        assert oxigraph.count() == local_count


def test_chunked_push_of_one_graph(real_store: Path, oxigraph: Oxigraph) -> None:
    store = TrialStore.open(real_store, read_only=True)
    graph = f"https://w3id.org/trialkg/graph/study/{TRIAL}"
    size = sum(1 for _ in store.quads([graph]))
    del store
    done = run_cli("push", "--store", str(real_store), "--endpoint", oxigraph.store,
                   "-g", TRIAL, "--chunk-size", "50", "--no-progress")
    assert done.returncode == 0, done.stderr
    chunks = -(-size // 50)
    assert f"1 graphs pushed ({size} triples, {chunks} requests)" in done.stderr
    assert oxigraph.count() == size


def test_update_endpoint_push(real_store: Path, oxigraph: Oxigraph) -> None:
    store = TrialStore.open(real_store, read_only=True)
    graph = f"https://w3id.org/trialkg/graph/study/{TRIAL}"
    size = sum(1 for _ in store.quads([graph]))
    del store
    for _ in range(2):  # DROP + INSERT: twice gives the same graph
        done = run_cli("push", "--store", str(real_store), "--update-endpoint", oxigraph.update,
                       "-g", TRIAL, "--chunk-size", "100", "--no-progress")
        assert done.returncode == 0, done.stderr
        assert oxigraph.count() == size


def test_resume_after_a_failing_chunk(real_store: Path, oxigraph: Oxigraph,
                                      tmp_path: Path) -> None:
    victim = f"study%2F{TRIAL}"
    failing = [True]

    def fail_second_chunk(method: str, path: str, _body: bytes) -> tuple[int, str] | None:
        if failing[0] and method == "POST" and victim in path:
            return 503, "disk full on the test server"
        return None

    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    graphs = ["-g", "ontology", "-g", TRIAL, "-g", "NCT00973089"]
    with Proxy(oxigraph.base, rule=fail_second_chunk) as proxy:
        args = ["push", "--store", str(real_store), *graphs, "--chunk-size", "100",
                "--no-progress", "--retries", "1", "--endpoint", proxy.url + "/store"]
        first = run_cli(*args, env=env)
        assert first.returncode == 1
        assert f"graph/study/{TRIAL}: chunk 2 of" in first.stderr
        assert "disk full on the test server" in first.stderr
        assert "2 graphs pushed" in first.stderr and "1 failed" in first.stderr
        assert "--resume" in first.stderr
        failing[0] = False
        proxy.seen.clear()
        second = run_cli(*args, "--resume", env=env)
        assert second.returncode == 0, second.stderr
        assert "1 graphs pushed" in second.stderr
        assert "2 graphs skipped" in second.stderr
        puts = [s for s in proxy.seen if s.startswith("PUT")]
        assert len(puts) == 1 and victim in puts[0]
    store = TrialStore.open(real_store, read_only=True)
    names = [f"https://w3id.org/trialkg/graph/{g}" for g in
             ("ontology", f"study/{TRIAL}", "study/NCT00973089")]
    assert oxigraph.count() == sum(1 for _ in store.quads(names))


# --- errors and authentication ---------------------------------------------------------------

def test_basic_auth(pushed: RemoteEndpoint, oxigraph_server: Oxigraph) -> None:
    secret = "pw-9f3a-never-shown"
    query = ["sparql", "ASK { ?s ?p ?o }", "--format", "json", "--retries", "0"]
    with Proxy(oxigraph_server.base, basic=("ann", secret)) as proxy:
        env = {"TRIALKG_ENDPOINT": proxy.url + "/query", "NETRC": os.devnull}
        refused = run_cli(*query, env=env)
        assert refused.returncode == 1
        assert "needs authentication (HTTP 401" in refused.stderr
        assert "Traceback" not in refused.stderr
        wrong = run_cli(*query, env={**env, "TRIALKG_ENDPOINT_USER": "ann",
                                     "TRIALKG_ENDPOINT_PASSWORD": secret + "x"})
        assert wrong.returncode == 1 and "wrong credentials" in wrong.stderr
        assert secret not in wrong.stderr + wrong.stdout
        ok = run_cli(*query, env={**env, "TRIALKG_ENDPOINT_USER": "ann",
                                  "TRIALKG_ENDPOINT_PASSWORD": secret})
        assert ok.returncode == 0, ok.stderr
        assert '"boolean":true' in ok.stdout
        assert secret not in ok.stdout + ok.stderr


def test_bearer_auth_and_repr(oxigraph_server: Oxigraph) -> None:
    token = "tok-77c1-never-shown"
    with Proxy(oxigraph_server.base, token=token) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", auth=Credentials.bearer(token),
                                  retries=0)
        assert endpoint.ask("ASK {}") is True
        assert token not in repr(endpoint) and token not in repr(endpoint.client)
        with pytest.raises(AuthenticationError) as info:
            RemoteEndpoint(proxy.url + "/query", auth=False, retries=0).ask("ASK {}")
        assert "HTTP 401" in str(info.value)
        assert "401 Unauthorized: credentials required" in str(info.value)  # the server's text


def test_server_error_text_is_shown(pushed: RemoteEndpoint) -> None:
    with pytest.raises(QueryError) as info:
        pushed.select("SELECT * WHERE { ?s ?p }")
    assert "error at 1:" in str(info.value)  # Oxigraph's own message, first line kept


def test_5xx_retried_then_reported(oxigraph_server: Oxigraph) -> None:
    calls = []

    def always_500(method: str, path: str, body: bytes) -> tuple[int, str] | None:
        calls.append(path)
        return 500, "internal trouble\nsecond line"

    with Proxy(oxigraph_server.base, rule=always_500) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", retries=2, backoff=0.01, auth=False)
        with pytest.raises(EndpointError) as info:
            endpoint.ask("ASK {}")
    assert len(calls) == 3
    assert "HTTP 500 after 3 tries: internal trouble | second line" in str(info.value)


def test_5xx_twice_then_answer(oxigraph_server: Oxigraph) -> None:
    calls = []

    def fail_twice(method: str, path: str, body: bytes) -> tuple[int, str] | None:
        calls.append(path)
        return (502, "bad gateway") if len(calls) <= 2 else None

    with Proxy(oxigraph_server.base, rule=fail_twice) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", retries=3, backoff=0.01, auth=False)
        assert endpoint.ask("ASK {}") is True
    assert len(calls) == 3


@pytest.mark.parametrize("status", [403, 404, 414, 429])
def test_4xx_shows_the_server_text_and_is_not_retried(oxigraph_server: Oxigraph,
                                                       status: int) -> None:
    def refuse(method: str, path: str, body: bytes) -> tuple[int, str] | None:
        return status, f"refused by the test server ({status})\nsee its policy"

    with Proxy(oxigraph_server.base, rule=refuse) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", retries=2, backoff=0.01, auth=False)
        with pytest.raises(EndpointError) as info:
            endpoint.ask("ASK {}")
    assert len(proxy.seen) == 1
    assert f"HTTP {status}" in str(info.value)
    assert f"refused by the test server ({status}) | see its policy" in str(info.value)


def test_timeout_is_honoured_and_not_retried(oxigraph_server: Oxigraph) -> None:
    def slow(method: str, path: str, body: bytes) -> tuple[int, str] | None:
        time.sleep(1.5)
        return None

    with Proxy(oxigraph_server.base, rule=slow) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", timeout=0.3, retries=2, auth=False)
        started = time.monotonic()
        with pytest.raises(EndpointError) as info:
            endpoint.ask("ASK {}")
        elapsed = time.monotonic() - started
    assert "timed out after 0.3 s" in str(info.value)
    assert elapsed < 1.2  # fractional seconds kept (SPARQLWrapper's setTimeout takes ints)
    assert len(proxy.seen) == 1


def test_queries_go_through_sparqlwrapper(pushed: RemoteEndpoint, oxigraph_server: Oxigraph,
                                          tmp_path: Path) -> None:
    """What the server sees: SPARQLWrapper's User-Agent and content negotiation, a form."""
    json_accept = ("application/sparql-results+json,application/json,text/javascript,"
                   "application/javascript")  # SPARQLWrapper's Accept for JSON results
    with Proxy(oxigraph_server.base) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", retries=0, auth=False)
        assert endpoint.ask(f"ASK {{ ctid:{TRIAL} ?p ?o }}") is True
        assert len(list(endpoint.construct(
            f"CONSTRUCT {{ ctid:{TRIAL} ?p ?o }} WHERE {{ ctid:{TRIAL} ?p ?o }}"))) > 10
        # the CLI, with the endpoint from the config file
        config = tmp_path / "trialkg" / "config.toml"
        config.parent.mkdir()
        config.write_text(f'endpoint = "{proxy.url}/query"\n', "utf-8")
        done = run_cli("sparql", f"SELECT ?p {{ ctid:{TRIAL} ?p ?o }} LIMIT 1", "--format",
                       "csv", env={"XDG_CONFIG_HOME": str(tmp_path), "NETRC": os.devnull})
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[0] == "p"
    assert len(proxy.headers) == 3
    for headers in proxy.headers:
        assert headers["User-Agent"].startswith("trialkg/")
        assert headers["User-Agent"].endswith(SPARQLWrapper.__agent__)
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert [h["Accept"] for h in proxy.headers] == [
        json_accept, "application/turtle,text/turtle", json_accept]
    # only the query in the form: no format=/output=/results= (content negotiation alone)
    assert all(body.startswith(b"query=") and b"&" not in body for body in proxy.bodies)


def test_an_update_is_never_sent_as_one(oxigraph_server: Oxigraph) -> None:
    with Proxy(oxigraph_server.base) as proxy:
        endpoint = RemoteEndpoint(proxy.url + "/query", retries=0, auth=False)
        with pytest.raises(QueryError, match="update"):
            endpoint.query("INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
        assert proxy.seen == []
        # SPARQLWrapper alone takes this for an update (and would send `update=`)
        with pytest.raises(QueryError, match="rejected the query"):
            endpoint.query("INSERT { ?s ?p ?o } WHERE { SELECT ?s ?p ?o { ?s ?p ?o } }")
        assert len(proxy.bodies) == 1 and proxy.bodies[0].startswith(b"query=")


@pytest.mark.parametrize("name, params", [
    ("phase-status-counts", []),
    ("trial-card", ["-p", f"trial={TRIAL}"]),
])
def test_cli_query_run_prints_the_same_remotely(name: str, params: list[str],
                                                pushed: RemoteEndpoint,
                                                real_store: Path) -> None:
    fmt = "ntriples" if name == "trial-card" else "csv"
    args = ["query", "run", name, *params, "--format", fmt]
    local = run_cli(*args, "--store", str(real_store))
    remote = run_cli(*args, env={"TRIALKG_ENDPOINT": pushed.url, "NETRC": os.devnull})
    assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    assert len(local.stdout.splitlines()) > 2


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("needs the `openssl` program to make a test certificate")
    return made


def test_tls_checked_by_default_custom_ca_and_insecure(oxigraph_server: Oxigraph,
                                                       certificate: tuple[Path, Path]) -> None:
    query = ["sparql", "ASK {}", "--format", "json", "--retries", "2"]
    with Proxy(oxigraph_server.base, tls=certificate) as proxy:
        url = proxy.url + "/query"
        assert url.startswith("https://")
        refused = run_cli(*query, "--endpoint", url)
        assert refused.returncode == 1
        assert "TLS check failed" in refused.stderr and "--insecure" in refused.stderr
        assert refused.stderr.strip().count("\n") == 0 and "Traceback" not in refused.stderr
        assert proxy.seen == []  # not retried, nothing sent
        trusted = run_cli(*query, "--endpoint", url, env={"SSL_CERT_FILE": str(certificate[0])})
        assert trusted.returncode == 0, trusted.stderr
        assert '"boolean":true' in trusted.stdout
        insecure = run_cli(*query, "--endpoint", url, "--insecure")
        assert insecure.returncode == 0, insecure.stderr
        assert "warning: TLS certificate checks are off (--insecure)" in insecure.stderr
        assert '"boolean":true' in insecure.stdout


def test_insecure_stays_in_its_thread_and_query(oxigraph_server: Oxigraph,
                                                certificate: tuple[Path, Path]) -> None:
    """urllib's global opener: swapped for an --insecure query only, for its thread only."""
    others: list[BaseException | None] = []

    def other_thread_opens(method: str, path: str, body: bytes) -> tuple[int, str] | None:
        if path == "/other":
            return 200, "reached"
        try:  # runs in the server's thread while the insecure query waits for its answer
            urllib.request.urlopen(proxy.url + "/other", timeout=5).close()
            others.append(None)
        except urllib.error.URLError as exc:
            others.append(exc.reason if isinstance(exc.reason, BaseException) else exc)
        return None

    before = getattr(urllib.request, "_opener", None)
    with Proxy(oxigraph_server.base, tls=certificate, rule=other_thread_opens) as proxy:
        url = proxy.url + "/query"
        assert RemoteEndpoint(url, retries=0, auth=False, verify_tls=False).ask("ASK {}")
        assert getattr(urllib.request, "_opener", None) is before
        with pytest.raises(EndpointError, match="TLS check failed"):
            RemoteEndpoint(url, retries=0, auth=False).ask("ASK {}")
    assert len(others) == 1 and isinstance(others[0], ssl.SSLCertVerificationError)


def test_connection_refused_is_one_clear_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    done = run_cli("sparql", "ASK {}", "--endpoint", url, "--retries", "1")
    assert done.returncode == 1
    assert "connection refused" in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert done.stdout == ""


def _stored_queries() -> list[object]:
    from trialkg.queries import QueryLibrary

    return [pytest.param(q, id=q.name) for q in QueryLibrary.default()
            if "main-job" not in q.tags]  # the main-job query asks of the bundled graph


@pytest.mark.parametrize("stored", _stored_queries())
def test_every_stored_query_answers_the_same_remotely(
    stored: object, pushed: RemoteEndpoint, local: LocalExecutor
) -> None:
    from trialkg.queries import bound_text, searcher_for
    from trialkg.queries.library import StoredQuery

    assert isinstance(stored, StoredQuery)
    from tests.real_record_params import real_record_params

    # a text parameter is searched on the local index; the bound trials go to both
    text = bound_text(stored, real_record_params(stored), searcher=searcher_for(local))
    mine, theirs = local.query(text), pushed.query(text)
    if isinstance(mine, ox.QuerySolutions):
        assert isinstance(theirs, ox.QuerySolutions)
        local_rows = rows(mine)
        assert rows(theirs) == local_rows
        assert local_rows[1], f"{stored.name}: the example finds nothing to compare"
    elif isinstance(mine, ox.QueryBoolean):
        assert bool(theirs) == bool(mine)
    else:
        assert set(theirs) == set(mine)
