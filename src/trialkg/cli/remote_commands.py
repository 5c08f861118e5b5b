"""push, serve: the commands that talk to (or are) a SPARQL endpoint.

``--endpoint`` for `query run` and `sparql` is in :mod:`trialkg.cli.common`.
"""

from __future__ import annotations

import sys

import click

from trialkg.cli.common import STORE_OPTION, err

__all__ = ["COMMANDS"]


@click.command()
@click.option("--endpoint", "endpoint", metavar="URL", default=None,
              help="The server's Graph Store endpoint, e.g. http://127.0.0.1:7878/store "
              "(also $TRIALKG_STORE_ENDPOINT, or `store_endpoint` in the config file).")
@click.option("--update-endpoint", metavar="URL", default=None,
              help="Push with SPARQL Update (DROP + INSERT DATA) to this URL instead.")
@click.option("--graph", "-g", "graphs", multiple=True,
              help="Only this named graph (repeatable): an IRI or 'mesh', 'study/NCT…', 'NCT…'.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Triples per request; a bigger graph goes in several requests.")
@click.option("--resume", is_flag=True,
              help="Skip graphs an earlier, interrupted push to this endpoint completed.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@STORE_OPTION
@click.option("--timeout", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Seconds to wait for each request.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries (exponential backoff) on 5xx answers and connection errors.")
@click.option("--insecure", is_flag=True, help="Do not check TLS certificates (warns).")
def push(endpoint: str | None, update_endpoint: str | None, graphs: tuple[str, ...],
         chunk_size: int, resume: bool, progress: bool | None, store_path: str | None,
         timeout: float, retries: int, insecure: bool) -> None:
    """Upload the local store (or the bundled graph) to a server, graph by graph.

    Each named graph is replaced on the server (HTTP PUT of the Graph Store Protocol), so
    pushing twice changes nothing. A graph bigger than --chunk-size goes in several requests
    (PUT, then POSTs): the server holds a partial graph until its last chunk is in. A failed
    graph is reported with the server's message and the exit status is 1; re-run with
    --resume to push only what is missing.
    """
    from trialkg.remote.push import GraphStoreTarget, PushState, UpdateTarget, push_graphs
    from trialkg.store.ingest import open_for_reading, resolve_graphs
    from trialkg.web.config import credentials_for, redact_url, resolve_endpoint
    from trialkg.web.http import HttpClient

    if update_endpoint is not None:
        url = resolve_endpoint(update_endpoint)
    else:
        url = resolve_endpoint(endpoint, kind="store")
    if url is None:
        raise click.UsageError("give --endpoint URL (the Graph Store endpoint) "
                               "or --update-endpoint URL")
    if insecure:
        err("trialkg: warning: TLS certificate checks are off (--insecure)")
    client = HttpClient(timeout=timeout, retries=retries, credentials=credentials_for(url),
                        verify_tls=not insecure)
    target = (UpdateTarget(url, client) if update_endpoint is not None
              else GraphStoreTarget(url, client))
    store = open_for_reading(store_path)
    names = resolve_graphs(store, graphs) if graphs else store.named_graphs()
    where = str(store.path.resolve()) if store.path is not None else "bundled graph"
    state = PushState.for_push(url, where)
    if resume:
        state.load()
    show = sys.stderr.isatty() if progress is None else progress
    shown = redact_url(url)
    if not show:
        report = push_graphs(store, target, names, chunk_size=chunk_size, state=state,
                             resume=resume)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("pushing"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} triples"), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("push", total=None)
            report = push_graphs(
                store, target, names, chunk_size=chunk_size, state=state, resume=resume,
                on_start=lambda total: bar.update(task, total=total),
                on_chunk=lambda _g, n: bar.advance(task, n),
            )
    for failure in report.failed:
        err(f"error: {failure}")
    if report.skipped:
        err(f"{len(report.skipped)} graphs skipped: pushed by an earlier run and unchanged "
            f"(state file {state.path})")
    for graph in report.not_tried:
        err(f"not pushed: {graph}")
    err(f"{shown}: {report.summary()}")
    if not report.ok:
        err(f"re-run with --resume to push only the graphs that are missing "
            f"(state: {state.path})")
        sys.exit(1)
    state.clear()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (another than 127.0.0.1 exposes the graph to others).")
@click.option("--port", type=click.IntRange(0, 65535), default=7879, show_default=True,
              help="Port to listen on (0: any free port).")
@STORE_OPTION
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a query may run before the client gets 503.")
@click.option("--limit", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Most rows (SELECT) or triples (CONSTRUCT) in one answer.")
def serve(host: str, port: int, store_path: str | None, timeout: float, limit: int) -> None:
    """Serve the local store (or the bundled graph) as a read-only SPARQL endpoint.

    SPARQL 1.1 Protocol at /sparql (GET ?query=, POST form or application/sparql-query;
    JSON, XML, CSV, TSV, Turtle or N-Triples by the Accept header), a query page at /.
    Updates are refused. Stop with Ctrl-C.
    """
    from trialkg.remote.serve import SparqlService, make_server
    from trialkg.resources import queries_dir
    from trialkg.store.ingest import open_for_reading

    store = open_for_reading(store_path)
    service = SparqlService(store, timeout=timeout, limit=limit)
    try:
        server = make_server(service, host, port, queries_dir())
    except OSError as exc:
        from trialkg.exceptions import EndpointError

        raise EndpointError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_port = server.server_address[1]
    if host not in ("127.0.0.1", "localhost", "::1"):
        err(f"trialkg: warning: listening on {host}: anyone who can reach it can query")
    what = store.path if store.path is not None else "the bundled graph"
    err(f"serving {what} at http://{host}:{bound_port}/ (SPARQL: /sparql); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


COMMANDS = [push, serve]
