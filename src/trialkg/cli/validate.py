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
def validate(store_path: str | None, fmt: str, owl: bool) -> None:
    """Check the store against the SHACL shapes and the ontology.

    Without a store, checks the bundled graph. Prints one report grouped by severity
    (violations, warnings, notes) with the focus node of each finding; the exit status
    is 1 when there is any violation.
    """
    from trialkg.ingest import open_for_reading
    from trialkg.validate import render_report, validate_store

    store = open_for_reading(store_path)
    report = validate_store(store, owl=owl, notify=err)
    click.echo(render_report(report, fmt))
    if not report.conforms:
        err(f"trialkg: {report.counts['Violation']} violations")
        sys.exit(1)


COMMANDS: list[click.Command] = [validate]
