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
    # Each family lives in its own module; adding one is one line here.
    from trialkg.cli import store_commands

    for command in store_commands.COMMANDS:
        cli.add_command(command)
    from trialkg.cli.mesh import mesh

    cli.add_command(mesh)


_register()


def main() -> None:
    """Console-script entry point."""
    run_main(cli)
