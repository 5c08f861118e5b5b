"""The ``trialkg`` command line: one click group, one module per command family.

Heavy imports (pyoxigraph, rdflib, owlready2) happen inside the commands so that
``trialkg --help`` starts fast.
"""

from __future__ import annotations

import click

from trialkg import __version__
from trialkg.cli.common import CONTEXT_SETTINGS, run_main

__all__ = ["cli", "main"]


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="trialkg")
def cli() -> None:
    """trialkg: clinical-trial records as an RDF knowledge graph linked to MeSH.

    Ingest ClinicalTrials.gov records into a store, ask stored SPARQL questions,
    export the graph in any RDF format.
    """


def _register() -> None:
    # One module per command family; adding a family is one entry here.
    from trialkg.cli import (
        build,
        chart,
        draft,
        fetch,
        mesh,
        query,
        remote_commands,
        search,
        store_commands,
        validate,
    )

    commands: list[click.Command] = [
        *store_commands.COMMANDS,  # ingest, export, stats, remove (and graphs)
        *fetch.COMMANDS,  # fetch, searches, sync (the registry's API)
        *query.COMMANDS,  # query list/show/run, sparql
        mesh.mesh,  # mesh link/show/enrich/import
        validate.validate,  # SHACL + OWL checks
        *build.COMMANDS,  # build the bundled graph
        *draft.COMMANDS,  # curated-record drafts from pages
        *remote_commands.COMMANDS,  # push, serve
        *search.COMMANDS,  # full-text search
        *chart.COMMANDS,  # plot: a stored query's chart
    ]
    for command in commands:
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    run_main(cli)
