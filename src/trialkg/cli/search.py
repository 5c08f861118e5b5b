"""search: full-text search over the trials (SQLite FTS5, BM25 ranking).

Exit status: 0 success (also when nothing matches), 1 the store or index cannot be read,
2 a malformed search (unbalanced quote or parenthesis, dangling AND/OR/NOT).
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from trialkg.cli.common import STORE_OPTION, err
from trialkg.cli.query import UsageProblem
from trialkg.exceptions import SearchError
from trialkg.store.search.syntax import FIELDS

__all__ = ["COMMANDS"]


@click.command()
@click.argument("text", nargs=-1)
@STORE_OPTION
@click.option("--field", "fields", multiple=True, type=click.Choice(FIELDS),
              help="Search only this field (repeatable); default every field.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True,
              help="At most this many trials, best first.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]),
              default="table", show_default=True, help="table for people, csv/tsv/json for pipes.")
@click.option("--rebuild", is_flag=True,
              help="Rebuild the store's search index from the store first (TEXT optional).")
def search(text: tuple[str, ...], store_path: str | None, fields: tuple[str, ...], limit: int,
           fmt: str, rebuild: bool) -> None:
    """Find trials by text, most relevant first (BM25).

    TEXT: words (all must occur), "a phrase" (its words adjacent, in order), AND, OR, NOT
    (upper case) and parentheses, and a * after a word for a prefix (imatin*). Case and
    accents are ignored. Each trial's title, summary, conditions, interventions, keywords
    and sponsors are searched; the title counts most. Prints the NCT id, score, title and a
    snippet with the matches marked.

    \b
    Examples:
      trialkg search imatinib desmoid
      trialkg search '"low back pain" OR lumbago' --field title --field conditions
      trialkg search 'imatin* NOT leukemia' --format json
    """
    from trialkg.store.ingest import open_for_reading
    from trialkg.store.search import index_for

    query = " ".join(text)
    if not query.strip() and not rebuild:
        raise UsageProblem("give the text to search for, e.g. trialkg search imatinib desmoid")
    store = open_for_reading(store_path)
    try:
        index = index_for(store, rebuild=rebuild)
        if rebuild:
            err(f"search index rebuilt: {len(index)} trials")
        if not query.strip():
            return
        try:
            hits = index.search(query, fields, limit)
        except SearchError as exc:
            raise UsageProblem(str(exc)) from None
    finally:
        store.close()
    _print(hits, fmt)
    if not hits:
        err("no trial matches")


def _print(hits: list[Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
    elif fmt in ("csv", "tsv"):
        writer = csv.writer(sys.stdout, delimiter="," if fmt == "csv" else "\t",
                            lineterminator="\n")
        writer.writerow(["id", "score", "title", "snippet", "iri"])
        for h in hits:
            writer.writerow([h.id, f"{h.score:.4f}", h.title, h.snippet(), h.iri])
    elif hits and not sys.stdout.isatty():  # piped: every value whole, one trial a line
        from trialkg.queries.output import text_table

        click.echo(text_table(["id", "score", "title", "snippet"],
                              [[h.id, f"{h.score:.2f}", h.title, h.snippet("[", "]")]
                               for h in hits]))
    elif hits:  # a terminal: long cells wrap, matches in bold
        from rich.console import Console
        from rich.table import Table

        console = Console(highlight=False)
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for name in ("id", "score", "title", "snippet"):
            table.add_column(name, overflow="fold", no_wrap=name in ("id", "score"))
        for h in hits:
            table.add_row(h.id, f"{h.score:.2f}", h.title, _marked(h, console.is_terminal))
        console.print(table)


def _marked(hit: Any, styled: bool) -> Any:
    """The snippet as rich Text: matches in bold on a terminal, else between [ and ]."""
    from rich.text import Text

    if not styled:
        return Text(hit.snippet("[", "]"))
    out = Text()
    for k, part in enumerate(hit.snippet("\x00", "\x00").split("\x00")):
        out.append(part, style="bold yellow" if k % 2 else "")
    return out


COMMANDS: list[click.Command] = [search]
