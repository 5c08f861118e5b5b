"""Fetch studies from the ClinicalTrials.gov API straight into the store; sync saved searches.

Pages come from :class:`~trialkg.sources.ctgov_api.CtgovClient`; their studies are parsed
by the same reader as the files ``trialkg ingest`` reads and go through the same ingest
(:func:`trialkg.store.ingest.ingest_records`): the same batches, each one atomic; a study whose
stored version is the same is skipped before it is mapped, a newer one replaces it.

A page is used whole or not at all: it is parsed completely before any of its studies is
handed on. When the network or the API fails for good (after the client's retries), the
fetch stops after the last whole page, commits what it holds, and reports the fault; so a
second run of the same command continues, skipping what is stored already.

Each study's provenance records the request it came from (``tkg:sourceFile``), when it was
retrieved (``tkg:retrievedAt``) and the saved search whose run retrieved it
(``tkg:fromSearch``), beside its record version. A fetch by search that ran to its end is
remembered (:mod:`trialkg.store.searches`); ``sync`` runs it again for the studies updated since.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trialkg.exceptions import RecordError, StoreError, TrialKGError
from trialkg.model import Study
from trialkg.sources import Item
from trialkg.sources.ctgov_api import CtgovClient, Page, Search
from trialkg.sources.ctgov_json import study_or_error
from trialkg.store import IngestReport, TrialStore
from trialkg.store.ingest import ingest_records
from trialkg.store.searches import SavedSearch, load_searches, save_search, search_iri

__all__ = ["FetchResult", "Progress", "SyncResult", "fetch_ids", "fetch_search", "sync"]

#: Ids asked at once when sync looks for studies that no longer match (the URL stays short).
_IDS_PER_REQUEST = 100


class Progress:
    """What a fetch tells whoever shows progress; the default shows nothing."""

    def total(self, total: int | None) -> None:
        """The number of studies the search matches (from ``countTotal``)."""

    def record(self) -> None:
        """One record was handled (written, skipped or failed)."""


@dataclass
class FetchResult:
    """What one fetch did: the ingest's report, and what came from the registry."""

    report: IngestReport = field(default_factory=IngestReport)
    pages: int = 0
    total: int | None = None
    #: NCT ids of the studies received
    received: set[str] = field(default_factory=set)
    #: the fault that stopped the fetch early (the pages before it are loaded)
    error: str | None = None
    #: NCT ids asked for that the registry does not have
    missing: list[str] = field(default_factory=list)
    saved_as: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and not self.report.interrupted and not self.report.aborted

    def summary(self) -> str:
        pages = f"{self.pages} page{'s' if self.pages != 1 else ''}"
        n = len(self.received)
        received = f"{n:,} {'study' if n == 1 else 'studies'} received in {pages}"
        return f"{received}; {self.report.summary()}"


def fetch_search(
    store: TrialStore,
    client: CtgovClient,
    search: Search,
    *,
    name: str | None = None,
    page_size: int = 1000,
    limit: int | None = None,
    save_dir: Path | None = None,
    updated_since: str | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> FetchResult:
    """Fetch every study the search matches into ``store``; remember the search under
    ``name`` when the fetch ran to its end (None: do not remember it).

    :raises StoreError: ``name`` is saved already with other parameters.
    """
    started = _now()
    previous = _saved(store, name)
    if previous is not None and previous.search != search:
        raise StoreError(
            f"a saved search named {name!r} has other parameters ({previous.search.describe()}); "
            "choose another --name, or `trialkg sync` it")
    result = FetchResult()
    pages = client.pages(search, page_size=page_size, limit=limit, updated_since=updated_since)
    iri = search_iri(name) if name is not None else None
    items = _records(pages, result, save_dir, iri, progress, limit)
    result.report = _ingest(store, items, progress, batch_size)
    if name is not None and result.complete and (limit is None or result.total is None
                                                 or result.total <= limit):
        matched = set(result.received)  # a whole run sees every study it matches now
        save_search(store, SavedSearch(name, search, str(client.base), started, matched))
        result.saved_as = name
    return result


def fetch_ids(
    store: TrialStore,
    client: CtgovClient,
    ids: list[str],
    *,
    save_dir: Path | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> FetchResult:
    """Fetch studies by NCT id (one request for one id, a search by ids for more); the ids
    the registry does not have are listed in ``missing``.

    :raises UnknownStudyError: a single id the registry does not have.
    """
    result = FetchResult()
    wanted = list(dict.fromkeys(ids))
    pages: Iterator[Page]
    if len(wanted) == 1:
        pages = iter([client.study(wanted[0])])
    else:  # a search by ids, a hundred at a time (the URL stays short)
        pages = (page for start in range(0, len(wanted), _IDS_PER_REQUEST)
                 for page in client.pages(Search(
                     ids=tuple(wanted[start:start + _IDS_PER_REQUEST]))))
    if progress is not None:
        progress.total(len(wanted))
    items = _records(pages, result, save_dir, None, None, None, counted=False)
    result.report = _ingest(store, items, progress, batch_size)
    if result.complete:
        result.missing = [i for i in wanted if i not in result.received]
    return result


@dataclass
class SyncResult:
    """What syncing one saved search did."""

    name: str
    since: str
    fetch: FetchResult
    #: studies the search matched before that were updated and match no more (kept)
    no_longer_matching: list[str] = field(default_factory=list)

    def summary(self) -> str:
        r = self.fetch.report
        added = r.loaded - r.replaced
        text = (f"{self.name}: updated since {self.since}: {added} added, {r.replaced} changed, "
                f"{r.unchanged + r.older} unchanged")
        if r.failed:
            text += f", {r.failed} failed"
        if self.no_longer_matching:
            text += (f"; {len(self.no_longer_matching)} no longer match the search (kept): "
                     + ", ".join(self.no_longer_matching))
        return text


def sync(
    store: TrialStore,
    client: CtgovClient,
    names: Iterable[str] | None = None,
    *,
    save_dir: Path | None = None,
    progress_for: Callable[[str], Progress | None] | None = None,
    batch_size: int | None = None,
) -> list[SyncResult]:
    """Run saved searches again for the studies updated (``LastUpdatePostDate``) on or
    after the day each last ran: new studies are added, changed ones replaced; studies it
    matched before that were updated and match no more are reported, not deleted.

    :raises StoreError: a name that is not saved, or no search is saved.
    """
    saved = load_searches(store, names)
    if not saved:
        raise StoreError("no saved searches in this store (a `trialkg fetch` by search "
                         "saves one)")
    out = []
    for one in saved:
        started = _now()
        since = one.last_run[:10]
        progress = progress_for(one.name) if progress_for is not None else None
        result = FetchResult()
        pages = client.pages(one.search, updated_since=since)
        items = _records(pages, result, save_dir, one.iri, progress, None)
        result.report = _ingest(store, items, progress, batch_size)
        done = SyncResult(one.name, since, result)
        out.append(done)
        if not result.complete:
            break
        try:
            done.no_longer_matching = _updated(client, one.matched - result.received, since)
        except TrialKGError as exc:
            result.error = str(exc)
            break
        matched = (one.matched | result.received) - set(done.no_longer_matching)
        save_search(store, SavedSearch(one.name, one.search, one.api, started, matched))
    return out


def _updated(client: CtgovClient, ids: set[str], since: str) -> list[str]:
    """Which of ``ids`` were updated on or after ``since`` (whatever they match now)."""
    found: set[str] = set()
    chosen = sorted(ids)
    for start in range(0, len(chosen), _IDS_PER_REQUEST):
        chunk = tuple(chosen[start:start + _IDS_PER_REQUEST])
        for page in client.pages(Search(ids=chunk), updated_since=since):
            found.update(n for obj in page.studies if (n := _nct_of(obj)))
    return sorted(found)


def _saved(store: TrialStore, name: str | None) -> SavedSearch | None:
    if name is None:
        return None
    try:
        return load_searches(store, [name])[0]
    except StoreError:
        return None


def _ingest(store: TrialStore, items: Iterator[Item], progress: Progress | None,
            batch_size: int | None) -> IngestReport:
    tick = (lambda _item: progress.record()) if progress is not None else None
    return ingest_records(store, items, on_item=tick, batch_size=batch_size)


def _records(pages: Iterator[Page], result: FetchResult, save_dir: Path | None,
             search: str | None, progress: Progress | None,
             limit: int | None, counted: bool = True) -> Iterator[Item]:
    """The studies of every page, in order; a fault of the registry or the network ends
    them after the last whole page (``result.error`` says what it was). With ``counted``
    the first page's ``totalCount`` is the total (a search; not a fetch by ids)."""
    count = 0
    try:
        for page in pages:
            result.pages += 1
            if page.number == 1 and counted:
                result.total = page.total
                if progress is not None:
                    total = page.total if limit is None or page.total is None else min(
                        page.total, limit)
                    progress.total(total)
            if save_dir is not None:
                _save(page, save_dir)
            for i, obj in enumerate(page.studies):
                if limit is not None and count >= limit:
                    return
                count += 1
                nct = _nct_of(obj)
                if nct:
                    result.received.add(nct)
                item = study_or_error(obj, page.url, f"studies[{i}]")
                if isinstance(item, Study):
                    item.retrieved = page.retrieved
                    item.search = search
                yield item
    except TrialKGError as exc:
        if isinstance(exc, RecordError):
            raise
        result.error = str(exc)


def _nct_of(obj: object) -> str:
    try:
        value = obj["protocolSection"]["identificationModule"]["nctId"]  # type: ignore[index]
    except (KeyError, TypeError):
        return ""
    return value if isinstance(value, str) else ""


def _save(page: Page, save_dir: Path) -> Path:
    """Write the page's body as received, atomically (a killed fetch leaves no half file)."""
    save_dir.mkdir(parents=True, exist_ok=True)
    stamp = page.retrieved.replace(":", "").replace("-", "")
    if page.url.split("?", 1)[0].rsplit("/", 1)[-1].startswith("NCT"):
        name = f"{page.studies[0]['protocolSection']['identificationModule']['nctId']}.json"
    else:
        name = f"page-{stamp}-{os.getpid()}-{page.number:05d}.json"
    target = save_dir / name
    fd, tmp = tempfile.mkstemp(dir=save_dir, prefix=".page-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(page.body)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
