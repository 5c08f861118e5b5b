"""``trialkg fetch``, ``trialkg searches`` and ``trialkg sync``: the registry's API."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from trialkg.cli.common import STORE_OPTION, err

if TYPE_CHECKING:
    from trialkg.sources.ctgov_api import CtgovClient
    from trialkg.store.fetch import FetchResult, Progress

__all__ = ["COMMANDS", "fetch", "searches", "sync"]


def _api_options(func: Any) -> Any:
    for option in reversed([
        click.option("--api-url", metavar="URL", envvar="TRIALKG_CTGOV_API", show_envvar=True,
                     default=None,
                     help="The API base (default https://clinicaltrials.gov/api/v2): a "
                     "mirror, or a local server in tests."),
        click.option("--rate", type=click.FloatRange(min=0.01), envvar="TRIALKG_CTGOV_RATE",
                     show_envvar=True, default=None, metavar="N",
                     help="Requests a minute at most (default 50, as NLM asks)."),
        click.option("--retries", type=click.IntRange(0, 20), default=5, show_default=True,
                     help="Retries (backoff with jitter) on 5xx, timeouts, resets; a 429 "
                     "waits as its Retry-After says."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0,
                     show_default=True, help="Seconds to wait for an answer."),
        click.option("--save", "save_dir", type=click.Path(file_okay=False, path_type=Path),
                     default=None,
                     help="Also keep every page exactly as received in DIR (`trialkg ingest "
                     "DIR` rebuilds the same studies offline); with --all, where the "
                     "archive goes."),
        click.option("--wait", is_flag=True,
                     help="Wait for another process writing the store instead of failing."),
        click.option("--progress/--no-progress", default=None,
                     help="Show a progress bar (default: when stderr is a terminal)."),
        STORE_OPTION,
    ]):
        func = option(func)
    return func


def _client(api_url: str | None, rate: float | None, retries: int, timeout: float,
            archive: str | None = None) -> CtgovClient:
    from trialkg.sources.ctgov_api import CtgovClient

    return CtgovClient(api_url, rate=rate, retries=retries, timeout=timeout, archive=archive)


def _normalised(kind: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]],
                                        tuple[str, ...]]:
    """A click callback: the values (repeated or comma-separated) as the API spells them."""

    def callback(_ctx: click.Context, _param: click.Parameter,
                 values: tuple[str, ...]) -> tuple[str, ...]:
        from trialkg.sources import ctgov_api

        normalise = ctgov_api.normalise_status if kind == "status" else ctgov_api.normalise_phase
        try:
            return tuple(dict.fromkeys(normalise(v) for v in _split(values)))
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    import datetime

    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.command()
@click.argument("nct_ids", nargs=-1)
@click.option("--condition", help="Conditions or diseases (query.cond, an Essie expression).")
@click.option("--intervention", help="Interventions or treatments (query.intr).")
@click.option("--term", help="Other terms, searched in every field (query.term).")
@click.option("--sponsor", help="Sponsor or collaborator (query.spons).")
@click.option("--title", help="Words of the titles or acronym (query.titles).")
@click.option("--location", help="Location terms: facility, city, country (query.locn).")
@click.option("--status", "statuses", multiple=True, callback=_normalised("status"), metavar="S",
              help="Overall status, repeatable or comma-separated: recruiting, completed, "
              "'not yet recruiting' ...")
@click.option("--phase", "phases", multiple=True, callback=_normalised("phase"), metavar="P",
              help="Phase, repeatable or comma-separated: 'phase 2', 2, 'early 1', n/a.")
@click.option("--updated-since", callback=_date, metavar="DATE",
              help="Only studies last updated on or after DATE (YYYY-MM-DD).")
@click.option("--advanced", metavar="EXPR",
              help="An Essie filter expression (filter.advanced), e.g. "
              "AREA[StudyType]INTERVENTIONAL.")
@click.option("--max", "limit", type=click.IntRange(min=1), default=None,
              help="Stop after N studies.")
@click.option("--count", "count_only", is_flag=True,
              help="Print only the number of studies the search matches.")
@click.option("--name", default=None,
              help="Remember the search under this name (default: from its terms).")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, show_default=True,
              help="Studies per request.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Commit every N studies (default 500, as `trialkg ingest`).")
@click.option("--all", "everything", is_flag=True,
              help="Download the whole registry's JSON archive (resumable), then ingest it.")
@click.option("--archive-url", envvar="TRIALKG_CTGOV_ARCHIVE", show_envvar=True, metavar="URL",
              default=None, help="Where --all downloads from (default: derived from the API "
              "base: {root}/api/int/studies/download?format=json.zip).")
@_api_options
def fetch(nct_ids: tuple[str, ...], condition: str | None, intervention: str | None,
          term: str | None, sponsor: str | None, title: str | None, location: str | None,
          statuses: tuple[str, ...], phases: tuple[str, ...], updated_since: str | None,
          advanced: str | None, limit: int | None, count_only: bool, name: str | None,
          page_size: int, batch_size: int | None, everything: bool, archive_url: str | None,
          api_url: str | None, rate: float | None, retries: int, timeout: float,
          save_dir: Path | None, wait: bool, progress: bool | None,
          store_path: str | None) -> None:
    """Fetch studies from ClinicalTrials.gov into the store: by NCT id, by search, or all.

    \b
      trialkg fetch NCT00122473
      trialkg fetch --condition desmoid --intervention imatinib
      trialkg fetch --sponsor "Johnson & Johnson" --status recruiting --phase 3 --count
      trialkg fetch --all

    Studies go into the store as pages arrive, with the batches and version checks of
    `trialkg ingest`: unchanged studies are skipped, newer versions replace older ones. A
    search that ran to its end is saved (see `trialkg searches`; `trialkg sync` updates it).
    After Ctrl-C or a network failure every committed study stays; the same command again
    continues. Exit status 1 on an error, 130 when interrupted.
    """
    from trialkg.iris import is_nct_id
    from trialkg.sources.ctgov_api import Search

    search = Search(condition, intervention, term, sponsor, title, location, statuses, phases,
                    advanced)
    bad = [i for i in nct_ids if not is_nct_id(i)]
    if bad:
        raise click.BadParameter(f"not an NCT id: {', '.join(bad)} (NCT and 8 digits)",
                                 param_hint="NCT_IDS")
    if sum([bool(nct_ids), not search.is_empty() or updated_since is not None, everything]) > 1:
        raise click.UsageError("give NCT ids, search options or --all, one of them")
    client = _client(api_url, rate, retries, timeout, archive_url)
    if count_only:
        if nct_ids or everything:
            raise click.UsageError("--count counts what a search matches")
        click.echo(client.count(search, updated_since))
        return
    if everything:
        _fetch_all(client, save_dir, store_path, wait, progress)
        return
    if not nct_ids and search.is_empty() and updated_since is None:
        raise click.UsageError("say what to fetch: NCT ids, search options (--condition ...) "
                               "or --all")
    if name is not None:
        from trialkg.store.searches import check_name

        try:
            check_name(name)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--name") from None
    from trialkg.store.fetch import fetch_ids, fetch_search
    from trialkg.store.ingest import open_for_writing

    store = open_for_writing(store_path, wait=wait)
    try:
        with _progress(progress, "fetching") as bar:
            if nct_ids:
                result = fetch_ids(store, client, list(nct_ids), save_dir=save_dir,
                                   progress=bar, batch_size=batch_size)
            else:
                remember = None if updated_since else (name or search.default_name())
                result = fetch_search(store, client, search, name=remember,
                                      page_size=page_size, limit=limit, save_dir=save_dir,
                                      updated_since=updated_since, progress=bar,
                                      batch_size=batch_size)
                if remember is not None and result.saved_as is None and result.complete:
                    err("the search is not saved: --max stopped it before its end")
    finally:
        store.close()
    _finish(result, save_dir)


def _finish(result: FetchResult, save_dir: Path | None) -> None:
    for message in result.report.errors:
        err(f"error: {message}")
    for nct in result.missing:
        err(f"error: {nct}: no such study in the registry")
    if result.total is not None:
        err(f"the registry matches {result.total} studies")
    err(result.summary())
    if save_dir is not None and result.pages:
        err(f"pages saved in {save_dir} (`trialkg ingest {save_dir}` loads them offline)")
    if result.saved_as:
        err(f"search saved as {result.saved_as!r} (`trialkg sync {result.saved_as}` updates it)")
    if result.report.interrupted:
        err("interrupted: every committed study is kept; run the same command again to "
            "continue")
        sys.exit(130)
    if result.error is not None:
        err(f"trialkg: error: {result.error}")
        err("the studies of the pages before it are kept; run the same command again to "
            "continue")
        sys.exit(1)
    if not result.report.ok or result.missing:
        sys.exit(1)


def _fetch_all(client: CtgovClient, save_dir: Path | None, store_path: str | None,
               wait: bool, progress: bool | None) -> None:
    from trialkg.store.ingest import ingest_paths

    where = save_dir if save_dir is not None else _cache_dir()
    dest = where / "ctg-studies.json.zip"
    url = client.archive_url()
    show = sys.stderr.isatty() if progress is None else progress
    bar: Any = None

    def on_size(total: int | None, have: int) -> None:
        nonlocal bar
        size = _bytes(total) if total is not None else "size not announced by the server"
        resumed = f", resuming at {_bytes(have)}" if have else ""
        err(f"downloading {url} ({size}{resumed}) to {dest}")
        if show:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            bar = Progress(BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                           TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            bar.start()
            bar.add_task("download", total=total, completed=have)

    def on_bytes(n: int) -> None:
        if bar is not None:
            bar.advance(bar.task_ids[0], n)

    try:
        client.download(dest, on_size=on_size, on_bytes=on_bytes)
    except KeyboardInterrupt:
        err(f"interrupted: the partial download is kept ({dest}.part); run the same command "
            "again to resume it")
        sys.exit(130)
    finally:
        if bar is not None:
            bar.stop()
    err(f"downloaded {dest} ({_bytes(dest.stat().st_size)}); ingesting it")
    report = ingest_paths([dest], store_path, progress=progress, wait=wait)
    for message in report.errors:
        err(f"error: {message}")
    err(report.summary())
    if report.interrupted:
        sys.exit(130)
    if not report.ok:
        sys.exit(1)


def _cache_dir() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trialkg"


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


class _Bar:
    """A rich progress bar for a fetch: total from countTotal, advanced per record."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task(label, total=None)

    def total(self, total: int | None) -> None:
        self.bar.update(self.task, total=total)

    def record(self) -> None:
        self.bar.advance(self.task)


@contextmanager
def _progress(show: bool | None, label: str) -> Iterator[Progress | None]:
    if not (sys.stderr.isatty() if show is None else show):
        yield None
        return
    bar = _Bar(label)
    with bar.bar:
        yield bar  # type: ignore[misc]


@click.command()
@STORE_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table for people (plain, every value whole when "
              "piped), json for pipes.")
def searches(store_path: str | None, fmt: str) -> None:
    """List the saved searches: name, parameters, last run, studies matched, API."""
    from trialkg.queries.output import table_for
    from trialkg.store.ingest import open_for_reading
    from trialkg.store.searches import load_searches

    store = open_for_reading(store_path)
    saved = load_searches(store)
    if fmt == "json":
        click.echo(json.dumps([s.as_dict() for s in saved], indent=2))
        return
    if not saved:
        err("no saved searches (a `trialkg fetch` by search saves one)")
        return
    rows = [[s.name, s.search.describe(), s.last_run, f"{len(s.matched):,}", s.api]
            for s in saved]
    click.echo(table_for(sys.stdout, ["name", "parameters", "last run", "studies", "API"], rows))


@click.command()
@click.argument("names", nargs=-1)
@_api_options
def sync(names: tuple[str, ...], api_url: str | None, rate: float | None, retries: int,
         timeout: float, save_dir: Path | None, wait: bool, progress: bool | None,
         store_path: str | None) -> None:
    """Run saved searches again (all, or NAMES) for the studies updated since their last run.

    New studies are added, changed ones replaced; reports added / changed / unchanged per
    search. Studies that no longer match a search are named, not deleted. Each search runs
    against the API it was saved with unless --api-url (or $TRIALKG_CTGOV_API) says otherwise.
    """
    from trialkg.store.fetch import sync as run_sync
    from trialkg.store.ingest import open_for_writing
    from trialkg.store.searches import load_searches

    store = open_for_writing(store_path, wait=wait)
    failed = interrupted = False
    try:
        chosen = load_searches(store, names or None)
        for one in chosen:
            client = _client(api_url or one.api, rate, retries, timeout)
            with _progress(progress, f"syncing {one.name}") as bar:
                results = run_sync(store, client, [one.name], save_dir=save_dir,
                                   progress_for=_constant(bar))
            for r in results:
                for message in r.fetch.report.errors:
                    err(f"error: {message}")
                click.echo(r.summary())
                if r.fetch.error is not None:
                    err(f"trialkg: error: {r.fetch.error}")
                    failed = True
                interrupted |= r.fetch.report.interrupted
                failed |= not r.fetch.report.ok
            if interrupted or failed:
                break
        if not chosen:
            err("no saved searches (a `trialkg fetch` by search saves one)")
    finally:
        store.close()
    if interrupted:
        sys.exit(130)
    if failed:
        sys.exit(1)


def _constant(bar: Progress | None) -> Callable[[str], Progress | None]:
    return lambda _name: bar


COMMANDS: list[click.Command] = [fetch, searches, sync]
