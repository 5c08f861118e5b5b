"""The ClinicalTrials.gov API v2: searches page by page, single studies, the bulk archive.

One endpoint serves searches, ``GET {base}/studies``: ``query.*`` parameters (Essie
expressions), ``filter.*`` filters, ``pageSize`` (at most 1,000) with ``pageToken`` /
``nextPageToken``, and ``countTotal=true`` for ``totalCount``. One study is
``GET {base}/studies/{nctId}`` (404 when there is none). The whole registry is one zip of
JSON files, ``ctg-studies.json.zip``, from the address the site's download button uses
(:data:`DEFAULT_ARCHIVE`, derived from the base so that a mirror serves both).

Parameters are encoded by :func:`urllib.parse.urlencode`, never joined by hand: a sponsor
named ``Johnson & Johnson`` stays one parameter. Requests are paced (:data:`DEFAULT_RATE`
a minute, NLM's request) and sent by :class:`~trialkg.web.http.HttpClient` in its
``polite`` mode: 5xx answers, timeouts, resets and answers cut off are retried with backoff
and jitter, and a 429 waits as its ``Retry-After`` says.

Nothing here touches the store: :mod:`trialkg.store.fetch` turns pages into records for the
ingest.
"""

from __future__ import annotations

import http.client
import os
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from trialkg.exceptions import EndpointError, RegistryError, UnknownStudyError
from trialkg.iris import is_nct_id, slug
from trialkg.web.http import HttpClient, HttpError

__all__ = [
    "API_ENV",
    "ARCHIVE_ENV",
    "DEFAULT_API",
    "DEFAULT_RATE",
    "MAX_PAGE_SIZE",
    "PHASES",
    "RATE_ENV",
    "STATUSES",
    "CtgovClient",
    "Page",
    "Search",
    "archive_url",
    "normalise_phase",
    "normalise_status",
]

DEFAULT_API = "https://clinicaltrials.gov/api/v2"
API_ENV = "TRIALKG_CTGOV_API"
#: Requests a minute; NLM asks for about 50.
DEFAULT_RATE = 50.0
RATE_ENV = "TRIALKG_CTGOV_RATE"
#: The full registry as one zip of JSON files (what the site's "Download" offers for an
#: empty search); ``{root}`` is the API base without its ``/api/v2``.
DEFAULT_ARCHIVE = "{root}/api/int/studies/download?format=json.zip"
ARCHIVE_ENV = "TRIALKG_CTGOV_ARCHIVE"
MAX_PAGE_SIZE = 1000
_CHUNK = 1 << 20

STATUSES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")


def normalise_status(text: str) -> str:
    """An overall status as the API spells it, from how a person writes it.

    >>> normalise_status("not yet recruiting")
    'NOT_YET_RECRUITING'
    >>> normalise_status("Completed")
    'COMPLETED'

    :raises ValueError: not a status the API knows.
    """
    code = re.sub(r"[^A-Z]+", "_", text.strip().upper()).strip("_")
    if code not in STATUSES:
        raise ValueError(f"unknown status {text!r} (one of: {', '.join(STATUSES).lower()})")
    return code


def normalise_phase(text: str) -> str:
    """A phase as the API spells it: ``phase 2``, ``2``, ``Phase-2``, ``early 1``, ``n/a``.

    >>> normalise_phase("phase 2")
    'PHASE2'
    >>> normalise_phase("Early Phase 1")
    'EARLY_PHASE1'
    >>> normalise_phase("n/a")
    'NA'

    :raises ValueError: not a phase the API knows.
    """
    code = re.sub(r"[^A-Z0-9]+", "", text.upper())
    early = code.startswith("EARLY")
    code = code.removeprefix("EARLY").removeprefix("PHASE")
    if code in ("NA", "NOTAPPLICABLE") and not early:
        return "NA"
    if (code in ("0", "1") and early) or code == "0":
        return "EARLY_PHASE1"
    if code in ("1", "2", "3", "4") and not early:
        return f"PHASE{code}"
    raise ValueError(f"unknown phase {text!r} (one of: early 1, 1, 2, 3, 4, n/a)")


#: Search field -> API parameter, in the order the parameters are sent.
_QUERY_PARAMS = {
    "condition": "query.cond",
    "intervention": "query.intr",
    "term": "query.term",
    "sponsor": "query.spons",
    "title": "query.titles",
    "location": "query.locn",
}


@dataclass(frozen=True)
class Search:
    """What a search asks the registry; :meth:`params` are the API's parameters for it."""

    condition: str | None = None
    intervention: str | None = None
    term: str | None = None
    sponsor: str | None = None
    title: str | None = None
    location: str | None = None
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    advanced: str | None = None
    ids: tuple[str, ...] = ()

    def params(self, updated_since: str | None = None) -> dict[str, str]:
        """The query and filter parameters (no paging), with studies last updated on or
        after ``updated_since`` (an ISO date) only, when given.

        >>> Search(sponsor="Johnson & Johnson", phases=("PHASE2",)).params()
        {'query.spons': 'Johnson & Johnson', 'filter.advanced': 'AREA[Phase]PHASE2'}
        """
        out = {param: value for key, param in _QUERY_PARAMS.items()
               if (value := getattr(self, key))}
        if self.statuses:
            out["filter.overallStatus"] = "|".join(self.statuses)
        if self.ids:
            out["filter.ids"] = "|".join(self.ids)
        advanced = []
        if self.advanced:
            advanced.append(self.advanced)
        if self.phases:
            either = " OR ".join(f"AREA[Phase]{p}" for p in self.phases)
            advanced.append(f"({either})" if len(self.phases) > 1 else either)
        if updated_since:
            advanced.append(f"AREA[LastUpdatePostDate]RANGE[{updated_since},MAX]")
        if advanced:
            out["filter.advanced"] = (advanced[0] if len(advanced) == 1 else
                                      " AND ".join(_grouped(a) for a in advanced))
        return out

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set (lists for the tuples), for saving and showing."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Search:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in data.items() if k in known}
        return cls(**values)

    def describe(self) -> str:
        """``condition=desmoid, status=RECRUITING`` (for people)."""
        return ", ".join(f"{k}={'|'.join(v) if isinstance(v, list) else v}"
                         for k, v in self.as_dict().items())

    def default_name(self) -> str:
        """A name from the search's values: ``desmoid-imatinib``.

        >>> Search(condition="Desmoid Tumor", intervention="imatinib").default_name()
        'desmoid-tumor-imatinib'
        """
        parts = [slug(str(v if not isinstance(v, list) else "-".join(v)))
                 for v in self.as_dict().values()]
        return "-".join(p for p in parts if p)[:60].strip("-") or "search"


@dataclass
class Page:
    """One answer of the API: the body exactly as received, and what it says."""

    url: str
    body: bytes
    studies: list[Any]
    number: int = 1
    total: int | None = None
    next_token: str | None = None
    retrieved: str = ""


@dataclass
class CtgovClient:
    """Paced, retrying requests to one API base (``$TRIALKG_CTGOV_API`` or the registry's).

    ``rate`` is in requests a minute (``$TRIALKG_CTGOV_RATE``, default 50).
    """

    base: str | None = None
    rate: float | None = None
    retries: int = 5
    timeout: float = 60.0
    backoff: float = 1.0
    archive: str | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        self.base = (self.base or os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")
        if self.rate is None:
            env = os.environ.get(RATE_ENV)
            try:
                self.rate = float(env) if env else DEFAULT_RATE
            except ValueError:
                raise RegistryError(f"${RATE_ENV} is not a number: {env!r}") from None
        if self.rate <= 0:
            raise RegistryError("the request rate must be above 0 requests a minute")
        self.http = HttpClient(timeout=self.timeout, retries=self.retries,
                               backoff=self.backoff, sleep=self.sleep, polite=True)
        self._next = 0.0
        self._lock = threading.Lock()

    # --- requests --------------------------------------------------------------------

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base}{path}{query}"

    def _pace(self) -> None:
        assert self.rate is not None
        with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + 60.0 / self.rate
        if wait > 0:
            self.sleep(wait)

    def get(self, url: str, *, what: str = "request") -> bytes:
        """The body of one GET (paced, retried).

        :raises RegistryError: the API refused the request (its own message) or its
            answer could not be had.
        """
        def once() -> bytes:
            self._pace()
            with self.http.open(url, headers={"Accept": "application/json"}) as resp:
                body: bytes = resp.read()
                return body

        try:
            return self.http.retrying(once, url, what=what)
        except HttpError as exc:
            if exc.status == 400:
                raise RegistryError(f"the registry refused the {what} (HTTP 400): "
                                    f"{exc.message}", status=400) from None
            raise RegistryError(str(exc), status=exc.status) from None
        except EndpointError as exc:
            raise RegistryError(str(exc)) from None

    def _page(self, url: str, number: int) -> Page:
        body = self.get(url, what="search")
        doc = _json(body, url)
        studies = doc.get("studies") if isinstance(doc, dict) else None
        if not isinstance(studies, list):
            raise RegistryError(f"the answer to {url} is not a page of studies")
        total = doc.get("totalCount")
        token = doc.get("nextPageToken")
        return Page(url, body, studies, number,
                    total if isinstance(total, int) else None,
                    token if isinstance(token, str) and token else None, _now())

    def count(self, search: Search, updated_since: str | None = None) -> int:
        """The number of studies the search matches (``totalCount``)."""
        params = {**search.params(updated_since), "countTotal": "true", "pageSize": "1",
                  "format": "json"}
        page = self._page(self.url("/studies", params), 1)
        if page.total is None:
            raise RegistryError("the registry's answer has no totalCount")
        return page.total

    def pages(self, search: Search, *, page_size: int = MAX_PAGE_SIZE,
              limit: int | None = None, updated_since: str | None = None) -> Iterator[Page]:
        """Every page of the search, in order; the first has ``total`` (``countTotal``).

        With ``limit`` the pages stop once that many studies came (the last one may hold
        more: a page is never cut).
        """
        size = max(1, min(page_size, MAX_PAGE_SIZE, limit or MAX_PAGE_SIZE))
        params = {**search.params(updated_since), "format": "json", "pageSize": str(size)}
        token: str | None = None
        number, seen = 1, 0
        while True:
            extra = {"pageToken": token} if token else {"countTotal": "true"}
            page = self._page(self.url("/studies", {**params, **extra}), number)
            yield page
            seen += len(page.studies)
            token = page.next_token
            if token is None or (limit is not None and seen >= limit):
                return
            number += 1

    def study(self, nct_id: str) -> Page:
        """One study by id, as a page of one.

        :raises UnknownStudyError: the registry has no study with this id (404).
        """
        if not is_nct_id(nct_id):
            raise UnknownStudyError(f"{nct_id!r} is not an NCT id (NCT and 8 digits)")
        url = self.url(f"/studies/{nct_id}", {"format": "json"})
        try:
            body = self.get(url, what=f"request for {nct_id}")
        except RegistryError as exc:
            if exc.status == 404:
                raise UnknownStudyError(f"{nct_id}: no such study in the registry "
                                        f"({self.base})") from None
            raise
        doc = _json(body, url)
        if not isinstance(doc, dict) or "protocolSection" not in doc:
            raise RegistryError(f"the answer to {url} is not a study record")
        return Page(url, body, [doc], 1, None, None, _now())

    # --- the bulk archive ------------------------------------------------------------

    def archive_url(self) -> str:
        return archive_url(self.base, self.archive)

    def download(self, dest: Path, *, on_size: Callable[[int | None, int], None] | None = None,
                 on_bytes: Callable[[int], None] | None = None) -> Path:
        """Stream the archive to ``dest`` (through ``dest.part``), resuming a partial one.

        A connection that drops is taken up again where it stopped (HTTP ``Range``), up to
        ``retries`` times in a row. ``on_size(total, have)`` is called once the size is
        known (None when the server does not say), ``on_bytes(n)`` for every chunk. The
        file is renamed to ``dest`` only when its size is the announced one and it opens
        as a zip.

        :raises RegistryError: the download failed, or its size or content is wrong.
        """
        url = self.archive_url()
        part = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        failures = 0
        total: int | None = None
        announced = False
        while True:
            have = part.stat().st_size if part.exists() else 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            try:
                resp = self.http.retrying(partial(self.http.open, url, headers=headers),
                                          url, what="download")
            except HttpError as exc:
                if exc.status == 416 and total is not None and have == total:
                    break  # the part file is already whole
                raise RegistryError(str(exc)) from None
            except EndpointError as exc:
                raise RegistryError(str(exc)) from None
            with resp:
                if resp.status == 206:
                    total = _range_total(resp.headers.get("Content-Range"), have, url)
                else:  # the server ignored the range: start again
                    have = 0
                    length = resp.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                if not announced:
                    announced = True
                    if on_size is not None:
                        on_size(total, have)
                try:
                    with open(part, "ab" if have else "wb") as out:
                        while chunk := resp.read(_CHUNK):
                            out.write(chunk)
                            if on_bytes is not None:
                                on_bytes(len(chunk))
                            failures = 0
                except (OSError, http.client.HTTPException) as exc:
                    if isinstance(exc, OSError) and exc.filename is not None:
                        raise  # our disk, not the network
                    failures += 1
                    if failures > self.retries:
                        raise RegistryError(
                            f"the download of {url} kept failing ({type(exc).__name__}); "
                            "run the same command again to resume it") from None
                    self.sleep(self.http.backoff_for(failures - 1))
                    continue
            size = part.stat().st_size
            if total is None or size == total:
                break
            if size > total:
                part.unlink()
                raise RegistryError(f"the download of {url} is larger ({size} bytes) than "
                                    f"announced ({total}); removed it, try again")
            failures += 1  # the server closed early without an error: resume
            self.sleep(self.http.backoff_for(failures - 1))
            if failures > self.retries:
                raise RegistryError(f"the download of {url} stopped at {size} of {total} "
                                    "bytes; run the same command again to resume it")
        _check_zip(part, url)
        part.replace(dest)
        return dest


def archive_url(base: str | None, archive: str | None = None) -> str:
    """The bulk archive's address: ``archive``, ``$TRIALKG_CTGOV_ARCHIVE``, or derived
    from the API base.

    >>> archive_url("http://127.0.0.1:8080/api/v2")
    'http://127.0.0.1:8080/api/int/studies/download?format=json.zip'
    """
    chosen = archive or os.environ.get(ARCHIVE_ENV)
    if chosen:
        return chosen
    root = (base or DEFAULT_API).rstrip("/")
    root = re.sub(r"/api/v\d+$", "", root)
    return DEFAULT_ARCHIVE.format(root=root)


def _grouped(expr: str) -> str:
    """An expression that can stand beside AND: in parentheses when it has spaces."""
    plain = " " not in expr or (expr.startswith("(") and expr.endswith(")")
                                and expr.count("(") == 1)
    return expr if plain else f"({expr})"


def _json(body: bytes, url: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        head = body.lstrip()[:1]
        what = "cut off" if head in (b"{", b"[") else "not JSON"
        raise RegistryError(f"the answer to {url} is {what} ({len(body)} bytes: {exc}); "
                            "nothing of it was loaded") from None


def _range_total(header: str | None, have: int, url: str) -> int | None:
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", (header or "").strip())
    if match is None or int(match.group(1)) != have:
        raise RegistryError(f"{url} answered a resumed download with the wrong range "
                            f"({header!r}); delete the .part file and start again")
    return None if match.group(3) == "*" else int(match.group(3))


def _check_zip(path: Path, url: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        path.unlink(missing_ok=True)
        raise RegistryError(f"the download of {url} is not a readable zip ({exc}); "
                            "removed it, try again") from None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

