"""build: the bundled graph (graph/) from the seed trials, curated records, MeSH, ontology."""

from __future__ import annotations

from pathlib import Path

import click

from trialkg.cli.common import err

__all__ = ["COMMANDS"]


@click.command()
@click.option("--shared", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="TRIALKG_SHARED", show_envvar=True,
              help="The shared data folder (default: ../shared, from the repository root).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("graph"),
              show_default=True, help="Where to write the graph (replaced atomically).")
@click.option("--curated", type=click.Path(file_okay=False, path_type=Path),
              default=Path("curated"), show_default=True, help="The curated records.")
@click.option("--ontology", type=click.Path(file_okay=False, path_type=Path),
              default=Path("ontology"), show_default=True, help="The ontology folder.")
def build(shared: Path | None, out: Path, curated: Path, ontology: Path) -> None:
    """Build the bundled graph deterministically (one Turtle file per named graph).

    Run from the repository root. Two builds from the same inputs are byte-identical; a
    failed build leaves OUT as it was.
    """
    from trialkg.build import build_graph, default_shared_dir

    report = build_graph(shared or default_shared_dir(), out, curated, ontology)
    for note in report.notes:
        err(f"note: {note}")
    err(f"wrote {out}: {len(report.graphs)} named graphs, {report.triples} triples")


COMMANDS: list[click.Command] = [build]
