"""query list/show/run and sparql: stored and ad hoc SPARQL over the store.

Exit status: 0 success, 1 the query failed (syntax, evaluation, store), 2 a usage error
(unknown query, unknown or bad parameter, bad ``-p`` syntax).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from trialkg.cli.common import (
    CONTEXT_SETTINGS,
    ENDPOINT_OPTIONS,
    STORE_OPTION,
    FormatChoice,
    err,
    executor_for,
    note_if_bundled,
)
from trialkg.exceptions import ParameterError, UnknownQueryError

__all__ = ["COMMANDS"]

_RESULT_FORMATS = ["table", "csv", "tsv", "json", "md"]

OUTPUT_FORMAT_OPTION = click.option(
    "--format", "fmt", type=FormatChoice(tuple(_RESULT_FORMATS)), default=None,
    help="table (default), csv, tsv, json (W3C SPARQL results) or md for SELECT/ASK; an RDF "
         "format for CONSTRUCT/DESCRIBE (default turtle). Default: from -o's extension.")
OUTPUT_OPTION = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write the results to this file instead of stdout.")


class UsageProblem(click.ClickException):
    """A usage error found after parsing (bad parameter, unknown query): exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        err(f"trialkg: error: {self.message}")


def _library() -> Any:
    from trialkg.queries import QueryLibrary

    return QueryLibrary.default()


def _find(name: str) -> Any:
    try:
        return _library().get(name)
    except UnknownQueryError as exc:
        raise UsageProblem(str(exc)) from None


def _emit(result: Any, fmt: str | None, output: Path | None) -> None:
    from trialkg.queries.output import format_for_output, write_result

    chosen = format_for_output(fmt, output, result)
    if output is None:
        rows = write_result(result, chosen, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        with output.open("wb") as f:
            rows = write_result(result, chosen, f)
        err(f"wrote {output} ({chosen})")
    if rows is not None:
        err(f"{rows} row{'s' if rows != 1 else ''}")


@click.group("query", context_settings=CONTEXT_SETTINGS)
def query() -> None:
    """Stored SPARQL queries: list them, show one, run one with parameters."""


@query.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              help="table for people; json (name, summary, tags, params) for tools.")
@click.option("--tag", default=None, help="Only queries with this tag.")
def list_queries(fmt: str, tag: str | None) -> None:
    """The stored queries with their summaries."""
    queries = [q for q in _library() if tag is None or tag in q.tags]
    if fmt == "json":
        import orjson

        data = [q.summary_dict() for q in queries]
        sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
        return
    from trialkg.queries.output import table_for

    rows = [[q.name, ", ".join(p.name for p in q.params), q.summary] for q in queries]
    click.echo(table_for(sys.stdout, ["name", "params", "summary"], rows))


@query.command("show")
@click.argument("name")
@click.option("--raw", is_flag=True,
              help="The file as stored, with the comments for maintainers (why the query is "
              "shaped as it is for Oxigraph's planner).")
def show(name: str, raw: bool) -> None:
    """A stored query's header (summary, parameters, example) and its SPARQL."""
    q = _find(name)
    text = q.path.read_text(encoding="utf-8") if q.path is not None else q.sparql
    click.echo(text if raw else without_maintainer_comments(text), nl=False)


def without_maintainer_comments(text: str) -> str:
    """The query without its whole-line ``#`` comments (the ``#+`` header stays): they explain
    the query's shape to maintainers, not what it answers."""
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines
                   if not line.lstrip().startswith("#") or line.startswith("#+"))


@query.command("run")
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (repeatable); see `trialkg query show NAME`.")
@OUTPUT_FORMAT_OPTION
@OUTPUT_OPTION
@STORE_OPTION
@ENDPOINT_OPTIONS
@click.option("--print-query", is_flag=True,
              help="Print the query with its parameters bound (VALUES) instead of running it.")
def run(name: str, params: tuple[str, ...], fmt: str | None, output: Path | None,
        store_path: str | None, endpoint: str | None, timeout: float, retries: int,
        insecure: bool, print_query: bool) -> None:
    """Run a stored query with its parameters bound from -p KEY=VALUE.

    For example `trialkg query run trials-by-sponsor -p sponsor=Bayer`. Runs on the local
    store (or the bundled graph), or on a SPARQL endpoint with --endpoint.
    """
    from trialkg.queries import parse_assignments

    q = _find(name)
    try:
        values = parse_assignments(params)
    except ParameterError as exc:
        raise UsageProblem(str(exc)) from None
    _run_stored(q, values, fmt, output, executor_for(store_path, endpoint, timeout, retries,
                                                     insecure), print_query)


def _run_stored(q: Any, values: dict[str, str], fmt: str | None, output: Path | None,
                executor: Any, print_query: bool = False) -> None:
    """Bind a stored query's parameters (typed, never pasted) and write its answer."""
    from trialkg.queries import (
        LocalExecutor,
        bound_text,
        chain_resolvers,
        mesh_resolver_for,
        vocabulary_resolver,
    )
    from trialkg.queries.run import searcher_for

    try:
        # MeSH names: the graph's own labels first (local), then the MeSH vocabulary.
        resolver = (chain_resolvers(mesh_resolver_for(executor), vocabulary_resolver())
                    if isinstance(executor, LocalExecutor) else vocabulary_resolver())
        text = bound_text(q, values, resolver=resolver, searcher=searcher_for(executor))
    except ParameterError as exc:
        raise UsageProblem(str(exc)) from None
    if print_query:
        click.echo(text, nl=False)
        return
    if "summary" in q.tags and isinstance(executor, LocalExecutor):
        _warn_unless_summary_fresh(executor, q.name)
    note_if_bundled(executor)
    _emit(executor.query(text), fmt, output)


@click.command("trials", context_settings=CONTEXT_SETTINGS)
@click.option("--condition", metavar="MESH", default=None,
              help="Trials for this condition or any narrower one: a MeSH id or name.")
@click.option("--drug", metavar="MESH", default=None,
              help="Trials of this drug or any narrower one: a MeSH id or name.")
@click.option("--sponsor", metavar="TEXT", default=None,
              help="Part of a lead sponsor's or collaborator's name (case-insensitive).")
@click.option("--phase", metavar="PHASE", default=None,
              help="1, 2, 3, 4, early1, NA, PHASE2 ...")
@click.option("--status", metavar="STATUS", default=None,
              help="Overall status, e.g. completed, recruiting.")
@click.option("--linked", type=click.Choice(["include", "exclude"]), default=None,
              help="Whether trialkg's MeSH links made at ingest (for records that give no "
                   "MeSH) count for --condition and --drug (default include).")
@OUTPUT_FORMAT_OPTION
@OUTPUT_OPTION
@STORE_OPTION
@ENDPOINT_OPTIONS
def trials(condition: str | None, drug: str | None, sponsor: str | None, phase: str | None,
           status: str | None, linked: str | None, fmt: str | None, output: Path | None,
           store_path: str | None, endpoint: str | None, timeout: float, retries: int,
           insecure: bool) -> None:
    """List the trials in the store: id, title, phase, status, start and enrollment.

    Filters combine, e.g. `trialkg trials --drug imatinib --phase 2`. The stored query
    `trials` underneath, with the same typed parameters and output formats as `query run`.
    """
    given = {"condition": condition, "drug": drug, "sponsor": sponsor, "phase": phase,
             "status": status, "linked": linked}
    values = {k: v for k, v in given.items() if v is not None}
    _run_stored(_find("trials"), values, fmt, output,
                executor_for(store_path, endpoint, timeout, retries, insecure))


def _warn_unless_summary_fresh(executor: Any, name: str) -> None:
    """A query that reads the summary counts says on stderr when they may be wrong."""
    from trialkg.store.summary import SummaryState, summary_state

    state = summary_state(executor.store)
    if state == SummaryState.STALE:
        err(f"warning: {name} reads the store's summary counts, which may predate its "
            "studies: a write to the store is running, was cut off or deferred them "
            "(--no-summary), or an older trialkg kept them in another form. The write brings "
            "them up to date when it ends, or the next `trialkg ingest` (of any records) "
            "recounts them.")
    elif state == SummaryState.MISSING:
        err(f"warning: {name} reads the store's summary counts, and this store has none "
            "(it was written by an older trialkg): run `trialkg ingest` (of any records) "
            "to compute them.")


@click.command("sparql", context_settings=CONTEXT_SETTINGS)
@click.argument("query_text", metavar="QUERY", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              default=None, help="Read the query from this file ('-' for stdin).")
@OUTPUT_FORMAT_OPTION
@OUTPUT_OPTION
@STORE_OPTION
@ENDPOINT_OPTIONS
def sparql(query_text: str | None, query_file: Any, fmt: str | None, output: Path | None,
           store_path: str | None, endpoint: str | None, timeout: float, retries: int,
           insecure: bool) -> None:
    """Run an ad hoc SPARQL query: QUERY as an argument, -f FILE, or '-' to read stdin.

    Every named graph is part of the default graph, and trialkg's prefixes (tkg:, ctid:,
    mesh:, meshv:, rdfs:, schema:, ...) are predeclared. Runs on the local store (or the
    bundled graph), or on a SPARQL endpoint with --endpoint.
    """
    if (query_text is None) == (query_file is None):
        raise click.UsageError("give the query as an argument, with -f FILE, or '-' for stdin")
    if query_file is not None:
        text = query_file.read()
    elif query_text == "-":
        text = sys.stdin.read()
    else:
        text = str(query_text)
    from trialkg.web.sparql_text import is_update

    if is_update(text):
        raise UsageProblem("this is a SPARQL update, and `trialkg sparql` runs queries only "
                           "(SELECT, ASK, CONSTRUCT, DESCRIBE); the store changes through "
                           "`trialkg ingest` and `trialkg remove`")
    executor = executor_for(store_path, endpoint, timeout, retries, insecure)
    note_if_bundled(executor)
    _emit(executor.query(text), fmt, output)


COMMANDS: list[click.Command] = [query, sparql, trials]
