"""Push the real-records store to a real Oxigraph server; queries answer the same remotely."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import Oxigraph, Proxy, free_port, run_cli

from trialkg.exceptions import AuthenticationError, EndpointError, QueryError
from trialkg.queries import LocalExecutor
from trialkg.remote import Credentials, RemoteEndpoint
from trialkg.store import TrialStore

pytestmark = pytest.mark.shared

TRIAL = "NCT00763412"  # a real record of ../shared with posted results

SELECTS = {
    "triples-per-graph": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
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
    import shlex

    from trialkg.queries import bound_text
    from trialkg.queries.library import StoredQuery

    assert isinstance(stored, StoredQuery)
    argv = shlex.split(stored.example)
    values = dict(v.split("=", 1) for k, v in zip(argv[4::2], argv[5::2], strict=True)
                  if k == "-p")
    text = bound_text(stored, values)
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
