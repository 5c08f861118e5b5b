"""validate: SHACL shapes and an OWL consistency check over the store."""

from __future__ import annotations

import sys

import click

from trialkg.cli.common import STORE_OPTION, err

__all__ = ["COMMANDS", "validate"]


@click.command()
@STORE_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              help="table for people, json for tools.")
@click.option("--owl/--no-owl", default=True,
              help="Also run HermiT (needs Java) on the ontology and the data's types.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True,
              help="Run the SHACL shapes as SPARQL in the store (fast), or with pyshacl on a "
              "copy of the store (the reference implementation; minutes on large stores).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def validate(store_path: str | None, fmt: str, owl: bool, engine: str,
             progress: bool | None) -> None:
    """Check the store against the SHACL shapes and the ontology.

    Without a store, checks the bundled graph. Prints one report grouped by severity
    (violations, warnings, notes) with the focus node of each finding; the exit status
    is 1 when there is any violation.
    """
    from trialkg.store.ingest import open_for_reading
    from trialkg.validation.validate import render_report, validate_store

    store = open_for_reading(store_path)
    show = sys.stderr.isatty() if progress is None else progress
    what = f"the store at {store.path}" if store.path is not None else "the bundled graph"
    err(f"checking {what} against the SHACL shapes ({engine}) ...")
    if show and engine == "sparql":
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress("SHACL checks", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("shacl", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = validate_store(store, owl=owl, notify=err, engine=engine,
                                    progress=advance)
    else:
        report = validate_store(store, owl=owl, notify=err, engine=engine)
    click.echo(render_report(report, fmt))
    if not report.conforms:
        err(f"trialkg: {report.counts['Violation']} violations")
        sys.exit(1)


COMMANDS: list[click.Command] = [validate]
