"""HTTP with credentials, a timeout, TLS checks and bounded retries (stdlib ``urllib``).

:meth:`HttpClient.request` sends one request of ``push`` (Graph Store Protocol, SPARQL
Update). SPARQL queries go through SPARQLWrapper (:func:`trialkg.web.endpoint.send_query`)
under the same policy: :meth:`HttpClient.retrying` and :meth:`HttpClient.urlopen_tls`.

Retried with exponential backoff (``backoff · 2^n`` seconds, at most ``retries`` times): HTTP
5xx answers, connection failures (refused, reset, DNS) and answers cut off before their end.
Not retried: 4xx answers (the server's own error text is reported, first lines), failed TLS
checks and read timeouts (a slow query is not made faster by sending it again). A client made
``polite`` (the ClinicalTrials.gov API, :mod:`trialkg.sources.ctgov_api`) also waits as a
429's ``Retry-After`` says and asks again, retries timeouts, and adds jitter to its backoff.
Every message passes through :func:`~trialkg.web.config.redact`.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import random
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from trialkg import __version__
from trialkg.exceptions import AuthenticationError, EndpointError
from trialkg.web.config import Credentials, redact, redact_url, strip_userinfo

__all__ = ["HttpClient", "HttpError", "Response"]

USER_AGENT = f"trialkg/{__version__} (https://w3id.org/trialkg/)"
MAX_ERROR_LINES = 5
#: A polite client waits at most this long for one ``Retry-After``.
MAX_RETRY_AFTER = 600.0
T = TypeVar("T")


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


class HttpError(EndpointError):
    """The server answered with an error status; ``message`` holds its own text."""

    def __init__(self, text: str, *, status: int, message: str) -> None:
        super().__init__(text)
        self.status = status
        self.message = message


@dataclass
class HttpClient:
    """Sends requests to one server; see the module docstring for what is retried."""

    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5
    credentials: Credentials | None = field(default=None, repr=False)
    verify_tls: bool = True
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    #: 429 answers wait for ``Retry-After`` and are asked again (up to ``retries`` more
    #: times); timeouts are retried; the backoff gets up to 50 % random jitter.
    polite: bool = False

    def __post_init__(self) -> None:
        self._context = ssl.create_default_context()
        if not self.verify_tls:
            self._context.check_hostname = False
            self._context.verify_mode = ssl.CERT_NONE
        # Our own opener (the process-global one stays untouched); *_proxy variables apply.
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self._context))

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        what: str = "request",
    ) -> Response:
        """Send one request (retrying as described); raise on anything but 2xx.

        :raises AuthenticationError: 401/403.
        :raises HttpError: any other error status (after retries for 5xx).
        :raises EndpointError: the server cannot be reached (after retries) or timed out.
        """
        target = strip_userinfo(url)
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.credentials is not None:
            all_headers["Authorization"] = self.credentials.header()

        def once() -> Response:
            req = urllib.request.Request(target, data=body, method=method, headers=all_headers)
            with self._opener.open(req, timeout=self.timeout) as resp:
                return Response(resp.status, resp.headers.get("Content-Type", ""), resp.read())

        return self.retrying(once, url, what=what)

    def open(self, url: str, *, headers: dict[str, str] | None = None,
             timeout: float | None = None) -> http.client.HTTPResponse:
        """One GET whose answer is read by the caller (a stream); no retries here.

        :raises urllib.error.HTTPError: an error status (its body is the server's text).
        :raises urllib.error.URLError: the server cannot be reached.
        """
        req = urllib.request.Request(strip_userinfo(url), method="GET",
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
        resp: http.client.HTTPResponse = self._opener.open(
            req, timeout=self.timeout if timeout is None else timeout)
        return resp

    def retrying(self, once: Callable[[], T], url: str, *, what: str) -> T:
        """``once()``, called again after a 5xx answer or a connection failure.

        ``once`` sends one request to ``url``; an error answer is a ``urllib.error.HTTPError``
        whose body is the server's text, an unreachable server a ``URLError`` or ``OSError``.

        :raises AuthenticationError: 401/403.
        :raises HttpError: any other error status (after retries for 5xx).
        :raises EndpointError: the server cannot be reached (after retries) or timed out.
        """
        shown = redact_url(url).split("?", 1)[0]
        attempt = 0
        while True:
            try:
                return once()
            except urllib.error.HTTPError as exc:
                status = exc.code
                wait = _retry_after(exc.headers.get("Retry-After")) if status == 429 else None
                message = self._clean(_first_lines(exc.read()))
                exc.close()
                if self.polite and status == 429 and attempt < self.retries:
                    self.sleep(wait if wait is not None else self.backoff_for(attempt))
                    attempt += 1
                    continue
                if status >= 500 and attempt < self.retries:
                    self.sleep(self.backoff_for(attempt))
                    attempt += 1
                    continue
                raise self._http_error(status, message, shown, what, attempt) from None
            except (TimeoutError, http.client.IncompleteRead) as exc:
                cut = isinstance(exc, http.client.IncompleteRead)
                if (cut or self.polite) and attempt < self.retries:
                    self.sleep(self.backoff_for(attempt))
                    attempt += 1
                    continue
                if cut:
                    raise EndpointError(
                        f"the answer of {shown} was cut off before its end "
                        f"(tried {attempt + 1} times)") from None
                raise EndpointError(
                    f"{what} to {shown} timed out after {self.timeout:g} s "
                    "(raise --timeout, or simplify the query)"
                ) from None
            except (urllib.error.URLError, ConnectionError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                if isinstance(reason, TimeoutError) and not self.polite:
                    raise EndpointError(
                        f"{what} to {shown} timed out after {self.timeout:g} s"
                    ) from None
                if isinstance(reason, ssl.SSLError):
                    raise EndpointError(
                        f"TLS check failed for {shown}: {self._clean(str(reason))} "
                        "(use --insecure only if you trust this network)"
                    ) from None
                if attempt < self.retries:
                    self.sleep(self.backoff_for(attempt))
                    attempt += 1
                    continue
                tries = f" (tried {attempt + 1} times)" if attempt else ""
                raise EndpointError(
                    f"cannot reach {shown}: {self._clean(_reason_text(reason))}{tries}"
                ) from None

    @contextlib.contextmanager
    def urlopen_tls(self) -> Iterator[None]:
        """Inside the block, ``urllib.request.urlopen`` from this thread has this client's TLS.

        For libraries that call ``urlopen`` themselves (SPARQLWrapper takes no TLS settings).
        With TLS checks on there is nothing to change: ``urlopen`` checks certificates against
        the system's CAs (``$SSL_CERT_FILE`` names others). With them off (``--insecure``),
        urllib's process-wide opener is swapped, under a lock, for one that skips the checks
        for this thread only (others keep urllib's default checks), and put back afterwards.
        """
        if self.verify_tls:
            yield
            return
        with _URLOPEN_LOCK:
            saved = getattr(urllib.request, "_opener", None)  # urllib has no public getter
            urllib.request.install_opener(
                urllib.request.build_opener(_ThisThreadHTTPS(self._context)))
            try:
                yield
            finally:
                urllib.request.install_opener(saved)

    def backoff_for(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt + 1`` (jittered when ``polite``)."""
        wait = float(self.backoff * 2**attempt)
        return wait * (1 + random.random() / 2) if self.polite else wait

    def _clean(self, text: str) -> str:
        return redact(text, self.credentials)

    def _http_error(self, status: int, message: str, shown: str, what: str,
                    attempt: int) -> EndpointError:
        tries = f" after {attempt + 1} tries" if attempt else ""
        detail = f": {message}" if message else ""
        if status in (401, 407):
            hint = ("wrong credentials" if self.credentials is not None else
                    "set TRIALKG_ENDPOINT_USER and TRIALKG_ENDPOINT_PASSWORD, "
                    "TRIALKG_ENDPOINT_TOKEN, or a ~/.netrc entry for the host")
            return AuthenticationError(
                f"{shown} needs authentication (HTTP {status}; {hint}){detail}")
        if status == 403:
            return AuthenticationError(f"{shown} refused the {what} (HTTP 403){detail}")
        return HttpError(f"{what} to {shown} failed with HTTP {status}{tries}{detail}",
                         status=status, message=message)


_URLOPEN_LOCK = threading.RLock()


class _ThisThreadHTTPS(urllib.request.HTTPSHandler):
    """HTTPS with ``context`` for the thread that made the handler, urllib's default for others."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self._thread = threading.get_ident()
        self._others = urllib.request.HTTPSHandler()

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if threading.get_ident() == self._thread:
            return super().https_open(req)
        return self._others.https_open(req)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date.

    >>> _retry_after("2")
    2.0
    >>> _retry_after(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(when.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)


def _first_lines(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    out = " | ".join(lines[:MAX_ERROR_LINES])
    return out[:500] + ("…" if len(out) > 500 else "")


def _reason_text(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running? check the URL and port)"
    if isinstance(reason, OSError) and reason.strerror:
        return str(reason.strerror)
    return str(reason)
