"""Options and error handling shared by every command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from trialkg.exceptions import TrialKGError

__all__ = ["CONTEXT_SETTINGS", "STORE_OPTION", "err", "run_main"]

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: Where the on-disk store lives; the default is per user (see trialkg.store.default_store_path).
STORE_OPTION = click.option(
    "--store",
    "store_path",
    envvar="TRIALKG_STORE",
    type=click.Path(file_okay=False, dir_okay=True),
    default=None,
    show_envvar=True,
    help="Store directory (default: the per-user store, see `trialkg stats`).",
)


def err(message: str) -> None:
    """A message for people: stderr, never stdout."""
    click.echo(message, err=True)


def run_main(group: Callable[..., Any]) -> None:
    """Run the click group; a TrialKGError becomes one line on stderr and exit status 1."""
    try:
        group.main(standalone_mode=False, prog_name="trialkg")
    except click.exceptions.Abort:
        err("trialkg: aborted")
        sys.exit(130)
    except click.ClickException as exc:  # usage errors: exit 2 (click's own convention)
        exc.show()
        sys.exit(exc.exit_code)
    except TrialKGError as exc:
        err(f"trialkg: error: {exc}")
        sys.exit(1)
    except BrokenPipeError:  # `trialkg export | head`
        sys.stderr.close()
        sys.exit(0)
    except SystemExit:
        raise
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
