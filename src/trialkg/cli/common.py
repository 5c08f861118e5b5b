"""Options and error handling shared by every command."""

from __future__ import annotations

import sys
from typing import Any

import click

from trialkg.exceptions import TrialKGError

__all__ = [
    "CONTEXT_SETTINGS",
    "ENDPOINT_OPTIONS",
    "STORE_OPTION",
    "FormatChoice",
    "describe_os_error",
    "err",
    "executor_for",
    "note_if_bundled",
    "run_main",
]

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """An RDF format by name or alias (``nt``, ``ttl``, ``nq``, ``xml``...), given as its name;
    ``extra`` names other formats the command takes (table, csv...)."""

    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        from trialkg.formats import FORMAT_NAMES

        super().__init__([*extra, *FORMAT_NAMES], case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        from trialkg.formats import canonical_name

        chosen = super().convert(value, param, ctx)
        return canonical_name(chosen) or chosen


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


def _endpoint_options(func: Any) -> Any:
    for option in reversed([
        click.option("--endpoint", "endpoint", metavar="URL", default=None,
                     help="Run on this SPARQL endpoint instead of the local store "
                     "(also $TRIALKG_ENDPOINT, or `endpoint` in ~/.config/trialkg/config.toml)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0,
                     show_default=True, help="Seconds to wait for the endpoint's answer."),
        click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
                     help="Retries (exponential backoff) on 5xx answers and connection errors."),
        click.option("--insecure", is_flag=True,
                     help="Do not check the endpoint's TLS certificate (warns)."),
    ]):
        func = option(func)
    return func


#: --endpoint, --timeout, --retries, --insecure: for any command that runs queries.
ENDPOINT_OPTIONS = _endpoint_options


def executor_for(store_path: str | None, endpoint: str | None, timeout: float = 60.0,
                 retries: int = 3, insecure: bool = False) -> Any:
    """A RemoteEndpoint when an endpoint is configured, else the local store's executor."""
    from trialkg.web.config import resolve_endpoint

    url = resolve_endpoint(endpoint)
    if url is not None:
        from trialkg.remote import RemoteEndpoint

        if insecure:
            err("trialkg: warning: TLS certificate checks are off (--insecure)")
        return RemoteEndpoint(url, timeout=timeout, retries=retries, verify_tls=not insecure)
    from trialkg.queries import LocalExecutor
    from trialkg.store.ingest import open_for_reading

    return LocalExecutor(open_for_reading(store_path))


def note_if_bundled(executor: Any) -> None:
    """Say on stderr, in one line, that the bundled graph answers (there is no store)."""
    store = getattr(executor, "store", None)
    if store is not None and store.path is None:
        from trialkg.store.bundled import bundled_note

        err(bundled_note())


def err(message: str) -> None:
    """A message for people: stderr, never stdout."""
    click.echo(message, err=True)


def run_main(group: click.Group) -> None:
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
    except OSError as exc:  # from the store (RocksDB) or the file system: one line
        err(f"trialkg: error: {describe_os_error(exc)}")
        sys.exit(1)
    except SystemExit:
        raise
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


def describe_os_error(exc: OSError) -> str:
    """One line for an I/O error; the one a reader meets when a concurrent write compacts
    the store under it (RocksDB removed a file the reader had yet to open) says what to do."""
    from trialkg.store import is_transient_store_error

    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if is_transient_store_error(exc):
        return ("the store was reorganised by a concurrent write while this command read "
                f"it ({text}); run the command again")
    return text
