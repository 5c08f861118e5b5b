"""ingest, export, stats, graphs, remove, compact: the commands over the local store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trialkg.cli.common import STORE_OPTION, FormatChoice, err
from trialkg.formats import DEFAULT_FORMAT, FORMATS, format_for_path

__all__ = ["COMMANDS"]

FORMAT_OPTION = click.option(
    "--format",
    "-f",
    "fmt",
    type=FormatChoice(),
    default=None,
    help=f"RDF format, by name or short name (nt, ttl, nq, xml...); default: from -o's "
    f"extension, else {DEFAULT_FORMAT}.",
)
WAIT_OPTION = click.option(
    "--wait/--no-wait",
    default=False,
    help="If another trialkg process is writing the store, wait for it to finish "
    "(default: stop with a message naming it).",
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
@WAIT_OPTION
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--batch-size", type=click.IntRange(1), default=None, show_default=False,
              help="Studies per transaction (default 3,000, fewer if they are large: at most "
              "900k quads).")
@click.option("--worker/--no-worker", default=None,
              help="Map records in a second process while this one loads the store "
              "(default: for inputs of 2 MB or more, on a machine with 2 or more CPUs).")
@click.option("--summary/--no-summary", default=True,
              help="Keep the store's summary counts (trials per phase and status, sites per "
              "country ...) up to date from the studies this ingest touches (default), or "
              "leave them marked stale: the next ingest then recounts every study (about "
              "5 s at 10k studies, 1.5 min at 100k).")
def ingest(paths: tuple[Path, ...], store_path: str | None, wait: bool,
           progress: bool | None, batch_size: int | None, worker: bool | None,
           summary: bool) -> None:
    """Load trial records into the store.

    PATHS are files or directories of ClinicalTrials.gov API v2 JSON (one study, a download
    array, an API page, JSON Lines .jsonl/.ndjson, or the bulk ctg-studies.json.zip), legacy
    ClinicalTrials.gov XML (.xml) and curated records (.yaml), in any mix, read one record
    at a time. A study already in the store is replaced by its new version and skipped when
    unchanged. Studies are committed in batches, each all or nothing: after Ctrl-C or a
    crash every study is either fully in or fully out. Each bad record gets one line on
    stderr; the rest still load; the exit status is 1 if any failed, 130 if interrupted.
    """
    from trialkg.store.ingest import ingest_paths

    report = ingest_paths(list(paths), store_path, progress=progress, wait=wait,
                          batch_size=batch_size, worker=worker, summary=summary)
    for message in report.warnings:
        err(f"warning: {message}")
    for message in report.errors:
        err(f"error: {message}")
    if report.records == 0 and not report.interrupted and not report.aborted:
        from trialkg.sources import known_extensions

        where = ", ".join(str(p) for p in paths)
        err(f"warning: no records found in {where} (trialkg reads "
            f"{', '.join(known_extensions())} files); nothing was ingested")
        sys.exit(1)
    err(report.summary())
    if not summary and report.loaded:
        err("the summary counts are left stale (--no-summary): the next `trialkg ingest` "
            "recounts them")
    if report.interrupted:
        sys.exit(130)
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
    from trialkg.store.ingest import open_for_reading, resolve_graphs

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
    from trialkg.store.ingest import open_for_reading
    from trialkg.store.stats import compute_stats, render_stats

    store = open_for_reading(store_path)
    click.echo(render_stats(compute_stats(store), fmt))


@click.command()
@click.argument("names", nargs=-1)
@STORE_OPTION
@click.option("--kind", "kinds", multiple=True,
              help="Only graphs of this kind (repeatable): study, ontology, mesh ...")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              help="table for people, json for tools.")
def graphs(names: tuple[str, ...], store_path: str | None, kinds: tuple[str, ...],
           fmt: str) -> None:
    """List the graphs in the store with their versions (each study record as a graph).

    One row per graph: IRI, kind, triples, record version (a study's
    versionHolder date, the ontology's owl:versionInfo), ingest time and source file.
    NAMES narrow the list (IRIs or short forms such as 'mesh' or 'NCT00122473').
    """
    from trialkg.store.graphs import render_graphs
    from trialkg.store.ingest import open_for_reading, resolve_graphs

    store = open_for_reading(store_path)
    chosen = resolve_graphs(store, names) if names else None
    infos = store.graph_infos(chosen, kinds or None)
    if kinds:
        infos = [i for i in infos if i.kind in kinds]
    click.echo(render_graphs(infos, fmt), nl=False)


@click.command()
@click.argument("trial_ids", nargs=-1, required=True)
@STORE_OPTION
@WAIT_OPTION
def remove(trial_ids: tuple[str, ...], store_path: str | None, wait: bool) -> None:
    """Take studies (by NCT id) out of the store.

    Each study's graph is dropped in one step; the exit status is 1 if any id was not in
    the store (the others are still removed).
    """
    from trialkg.iris import trial_iri
    from trialkg.store.ingest import after_ingest, open_for_writing
    from trialkg.store.summary import SummaryTally, clear_stale, mark_stale

    with open_for_writing(store_path, wait=wait) as store:
        before = mark_stale(store)
        tally = SummaryTally.for_write(store, before)
        removed: list[str] = []

        def drop() -> None:
            removed.extend(store.remove_studies(trial_ids))

        if tally is None:
            drop()
        else:  # counts what the removed studies took with them
            tally.around([trial_iri(t) for t in trial_ids], drop)
        if removed:
            after_ingest(store, tally=tally)
        else:
            clear_stale(store, before)
    missing = sorted(set(trial_ids) - set(removed))
    noun = "study" if len(removed) == 1 else "studies"
    err(f"removed {len(removed):,} {noun}"
        + (f"; not in the store: {', '.join(missing)}" if missing else ""))
    if missing:
        sys.exit(1)


@click.command()
@STORE_OPTION
@WAIT_OPTION
def compact(store_path: str | None, wait: bool) -> None:
    """Compact the store on disk after a large ingest.

    RocksDB merges every index into its last, compressed level. A store of 100k studies goes
    from about 3.9 to 2.7 GB in about a minute. The store holds the same triples afterwards;
    like an ingest, this takes the write lock.
    """
    from trialkg.store.compaction import compact_store

    done = compact_store(store_path, wait=wait)
    err(f"compacted the store at {done.path}: {_size(done.before)} → {_size(done.after)} "
        f"in {done.seconds:.1f} s")


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


COMMANDS: list[click.Command] = [ingest, export, stats, graphs, remove, compact]
