"""A read-only SPARQL 1.1 Protocol endpoint over the local graph, with a small query page.

Routes: ``/sparql`` (GET ``?query=``; POST ``application/x-www-form-urlencoded`` or
``application/sparql-query``), ``/`` (the HTML page), ``/queries`` (the stored queries as
JSON, for the page, with their parameters and whether they draw a chart), ``/run/NAME``,
``/bound`` and ``/chart`` (a stored query run or bound with its parameters, and its chart as
SVG: :mod:`trialkg.remote.stored`). Results are written by pyoxigraph in the format the
``Accept`` header asks for: SPARQL JSON (default), XML, CSV or TSV; Turtle (default) or
N-Triples for CONSTRUCT/DESCRIBE. Updates get 403.

Why in-process (stdlib ``http.server`` + pyoxigraph) rather than ``oxigraph serve-read-only``
behind a proxy: the bundled graph lives only in memory (no dump to a temp store needed); the
default graph is the union of the named graphs exactly as in local queries; trialkg's
prefixes are predeclared; the result limit is applied while rows stream out of the engine;
and no second program is needed at runtime.

Limits: each query runs in a worker thread; after ``timeout`` seconds the client gets 503 and
the rows stop being read. pyoxigraph cannot interrupt an operator that is still computing
(a big ORDER BY), so that worker finishes in the background; at most ``workers`` queries run
at once and further ones get 503 until one ends. ``limit`` caps rows (SELECT) or triples
(CONSTRUCT); a cut answer carries the header ``X-TrialKG-Truncated: <limit>``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pyoxigraph as ox

from trialkg.exceptions import QueryError
from trialkg.iris import PREFIXES
from trialkg.queries.answers import boolean_result, solutions
from trialkg.remote.stored import ROUTES as STORED_ROUTES
from trialkg.remote.stored import StoredQueryProblem, bound_stored_query, stored_route
from trialkg.store import TrialStore
from trialkg.web.sparql_text import query_form

__all__ = ["SparqlService", "make_server", "stored_query_list"]

RESULT_TYPES = [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV]
GRAPH_TYPES = [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES]
MAX_BODY = 1_000_000


class HttpProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False


@dataclass
class SparqlService:
    """Runs protocol requests on one store, with a timeout and a result limit."""

    store: TrialStore
    timeout: float = 30.0
    limit: int = 10_000
    workers: int = 4
    _slots: threading.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.Semaphore(self.workers)

    def run(self, text: str, accept: str) -> Answer:
        """Evaluate within the time limit.

        :raises HttpProblem: 400 bad query, 403 update, 406 format, 503 busy or timed out.
        """
        try:
            form = query_form(text)
        except QueryError as exc:
            status = 403 if "update" in str(exc) else 400
            raise HttpProblem(status, str(exc) + (" (this endpoint is read-only)"
                                                  if status == 403 else "")) from None
        graph = form in ("CONSTRUCT", "DESCRIBE")
        fmt = negotiate(accept, GRAPH_TYPES if graph else RESULT_TYPES)
        if fmt is None:
            offered = ", ".join(f.media_type.split(";")[0]
                                for f in (GRAPH_TYPES if graph else RESULT_TYPES))
            raise HttpProblem(406, f"cannot answer a {form} query in {accept!r}; "
                                   f"use one of {offered}")
        if not self._slots.acquire(blocking=False):
            raise HttpProblem(503, f"busy: {self.workers} queries are running, try again")
        box: dict[str, Any] = {}
        worker = threading.Thread(target=self._evaluate, args=(text, fmt, box), daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            box["cancelled"] = True
            raise HttpProblem(503, f"the query took longer than {self.timeout:g} s "
                                   "(the server's time limit)")
        if "error" in box:
            raise box["error"]
        answer: Answer = box["answer"]
        return answer

    def _evaluate(self, text: str, fmt: ox.QueryResultsFormat | ox.RdfFormat,
                  box: dict[str, Any]) -> None:
        try:
            box["answer"] = self._answer(text, fmt, box)
        except SyntaxError as exc:
            box["error"] = HttpProblem(400, f"malformed query: {exc}")
        except (OSError, ValueError, RuntimeError) as exc:
            box["error"] = HttpProblem(500, f"the query failed: {exc}")
        except HttpProblem as exc:
            box["error"] = exc
        finally:
            self._slots.release()

    def _answer(self, text: str, fmt: ox.QueryResultsFormat | ox.RdfFormat,
                box: dict[str, Any]) -> Answer:
        result = self.store.store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            assert isinstance(fmt, ox.QueryResultsFormat)
            body = boolean_result(bool(result)).serialize(format=fmt) or b""
            return Answer(body, fmt.media_type)
        items: Iterator[Any] = _until_cancelled(iter(result), box)
        taken = list(islice(items, self.limit + 1))
        truncated = len(taken) > self.limit
        taken = taken[: self.limit]
        if isinstance(result, ox.QuerySolutions):
            assert isinstance(fmt, ox.QueryResultsFormat)
            names = [v.value for v in result.variables]
            body = solutions(names, taken).serialize(format=fmt) or b""
        else:
            assert isinstance(fmt, ox.RdfFormat)
            prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
            body = ox.serialize(taken, format=fmt, prefixes=prefixes) or b""
        return Answer(body, fmt.media_type, truncated)


def _until_cancelled(items: Iterator[Any], box: dict[str, Any]) -> Iterator[Any]:
    for item in items:
        if box.get("cancelled"):
            return
        yield item


def negotiate(accept: str, offered: list[Any]) -> Any:
    """The first offered format the Accept header takes (by q), the first offered for */*."""
    ranges = []
    for n, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, n, media.lower()))
    if not ranges:
        return offered[0]
    for _q, _n, media in sorted(ranges):
        for fmt in offered:
            bare = fmt.media_type.split(";")[0].strip()
            kind = bare.split("/")[0]
            if media in ("*/*", bare, f"{kind}/*") or (
                    media == "application/json" and fmt == ox.QueryResultsFormat.JSON) or (
                    media == "text/plain" and fmt == ox.RdfFormat.N_TRIPLES):
                return fmt
    return None


_SUMMARY = re.compile(r"^#\+\s*summary:\s*(.*)$", re.MULTILINE)


def stored_query_list(folder: Path) -> list[dict[str, Any]]:
    """Name, summary, text, parameters (type, default, description), the header example's
    values and whether it draws a chart, of every ``*.rq`` in ``folder``."""
    from trialkg.exceptions import QueryError
    from trialkg.queries.library import load_query

    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text("utf-8")
        m = _SUMMARY.search(text)
        entry: dict[str, Any] = {"name": path.stem,
                                 "summary": m.group(1).strip() if m else "", "text": text,
                                 "params": [], "example": {}, "chart": False}
        try:
            q = load_query(path)
            entry["params"] = [p.as_dict() for p in q.params]
            entry["example"] = q.example_values()
            entry["chart"] = q.header.get("chart") is not None
        except QueryError:
            pass  # a file without a trialkg header is still offered as text
        out.append(entry)
    return out


def _page() -> bytes:
    return resources.files("trialkg.remote").joinpath("page.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    service: SparqlService
    queries: bytes
    queries_folder: Path
    server_version = "trialkg"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no line per request on stderr

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            return self._send(200, _page(), "text/html; charset=utf-8")
        if url.path == "/queries":
            return self._send(200, self.queries, "application/json")
        if url.path.startswith("/run/"):  # a stored query, its parameters from the URL
            values = {k: v[-1] for k, v in parse_qs(url.query).items() if v[-1].strip()}
            try:
                text = bound_stored_query(url.path[5:], values, self.queries_folder,
                                          self.service.store)
            except StoredQueryProblem as exc:
                return self._problem(HttpProblem(exc.status, str(exc)))
            return self._query(text)
        if url.path in STORED_ROUTES:  # a stored query bound, or its chart
            values = {k: v[-1] for k, v in parse_qs(url.query).items()}
            return self._send(*stored_route(url.path, values, self.queries_folder,
                                            self.service.store))
        if url.path != "/sparql":
            return self._problem(HttpProblem(404, f"no such page: {url.path}"))
        params = parse_qs(url.query)
        if "update" in params:
            return self._problem(HttpProblem(403, "this endpoint is read-only"))
        if "query" not in params:
            return self._problem(HttpProblem(400, "give the query as ?query=..."))
        self._query(params["query"][0])

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            return self._problem(HttpProblem(404, f"no such endpoint: {url.path}"))
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._problem(HttpProblem(413, f"query longer than {MAX_BODY} bytes"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            return self._problem(HttpProblem(403, "this endpoint is read-only"))
        if ctype == "application/sparql-query":
            return self._query(body)
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qs(body)
            if "update" in form:
                return self._problem(HttpProblem(403, "this endpoint is read-only"))
            if "query" in form:
                return self._query(form["query"][0])
            return self._problem(HttpProblem(400, "the form has no 'query' field"))
        return self._problem(HttpProblem(415, f"unsupported content type {ctype!r}"))

    def do_PUT(self) -> None:
        self._problem(HttpProblem(405, "this endpoint is read-only"))

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    def _query(self, text: str) -> None:
        try:
            answer = self.service.run(text, self.headers.get("Accept") or "*/*")
        except HttpProblem as exc:
            return self._problem(exc)
        extra = {"X-TrialKG-Truncated": str(self.service.limit)} if answer.truncated else {}
        self._send(200, answer.body, answer.media_type, extra)

    def _problem(self, exc: HttpProblem) -> None:
        headers = {"Allow": "GET, POST"} if exc.status == 405 else {}
        self._send(exc.status, (exc.message + "\n").encode(), "text/plain; charset=utf-8",
                   headers)

    def _send(self, status: int, body: bytes, ctype: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(service: SparqlService, host: str, port: int,
                queries_folder: Path) -> ThreadingHTTPServer:
    """A server (not yet serving) for ``service``; port 0 picks a free port."""
    handler = type("Handler", (_Handler,), {
        "service": service,
        "queries": orjson.dumps(stored_query_list(queries_folder)),
        "queries_folder": queries_folder,
    })
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
