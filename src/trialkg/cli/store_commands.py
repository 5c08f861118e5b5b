"""ingest, export, stats, graphs, remove: the commands over the local store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trialkg.cli.common import STORE_OPTION, err
from trialkg.formats import DEFAULT_FORMAT, FORMATS, format_for_path

__all__ = ["COMMANDS"]

FORMAT_OPTION = click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default=None,
    help=f"RDF format (default: from -o's extension, else {DEFAULT_FORMAT}).",
)
GRAPH_OPTION = click.option(
    "--graph",
    "-g",
    "graphs",
    multiple=True,
    help="Only this named graph (repeatable): an IRI, or a short form such as "
    "'ontology', 'mesh' or 'study/NCT00122473'.",
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@STORE_OPTION
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def ingest(paths: tuple[Path, ...], store_path: str | None, progress: bool | None) -> None:
    """Load trial records into the store.

    PATHS are files or directories: ClinicalTrials.gov API v2 JSON (one study, a download
    array, an API page, JSON Lines, or the bulk ctg-studies.json.zip). A study already in
    the store is replaced by its new version and skipped when unchanged. Each bad record
    gets one line on stderr; the rest still load; the exit status is 1 if any failed.
    """
    from trialkg.ingest import ingest_paths

    report = ingest_paths(list(paths), store_path, progress=progress)
    for message in report.errors:
        err(f"error: {message}")
    err(report.summary())
    if not report.ok:
        sys.exit(1)


@click.command()
@STORE_OPTION
@FORMAT_OPTION
@GRAPH_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (atomically) instead of stdout.")
def export(store_path: str | None, fmt: str | None, graphs: tuple[str, ...],
           output: Path | None) -> None:
    """Export the graph as Turtle (default), N-Triples, N-Quads, TriG, JSON-LD or RDF/XML.

    Without a store, exports the bundled graph. The output is deterministic: the same
    content gives a byte-identical file.
    """
    from trialkg.export import export as export_stream
    from trialkg.export import export_to_path
    from trialkg.ingest import open_for_reading, resolve_graphs

    if fmt is not None:
        info = FORMATS[fmt]
    elif output is not None:
        guessed = format_for_path(output)
        if guessed is None:
            raise click.UsageError(
                f"cannot tell the format from {output.name!r}: give --format"
            )
        info = guessed
    else:
        info = FORMATS[DEFAULT_FORMAT]
    store = open_for_reading(store_path)
    chosen = resolve_graphs(store, graphs) if graphs else None
    if output is None:
        export_stream(store, info, sys.stdout.buffer, chosen)
        sys.stdout.buffer.flush()
    else:
        export_to_path(store, info, output, chosen)
        err(f"wrote {output} ({info.title})")


@click.command()
@STORE_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              help="table for people, json for tools.")
def stats(store_path: str | None, fmt: str) -> None:
    """Studies, triples, instances per class and named graphs in the store."""
    from trialkg.ingest import open_for_reading
    from trialkg.stats import compute_stats, render_stats

    store = open_for_reading(store_path)
    click.echo(render_stats(compute_stats(store), fmt))


@click.command()
@click.argument("trial_ids", nargs=-1, required=True)
@STORE_OPTION
def remove(trial_ids: tuple[str, ...], store_path: str | None) -> None:
    """Take studies (by NCT id) out of the store."""
    from trialkg.ingest import open_for_writing

    store = open_for_writing(store_path)
    removed = store.remove_studies(trial_ids)
    store.flush()
    missing = sorted(set(trial_ids) - set(removed))
    err(f"removed {len(removed)} studies" + (f"; not in the store: {', '.join(missing)}"
                                             if missing else ""))
    if missing:
        sys.exit(1)


COMMANDS: list[click.Command] = [ingest, export, stats, remove]
