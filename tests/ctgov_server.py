"""A local stand-in for the ClinicalTrials.gov API v2, over real records, for tests and the
fetch benchmark. It binds to 127.0.0.1 only, on a free port, in a thread of the caller.

What it implements (what trialkg relies on):

* ``GET /api/v2/studies`` with ``query.cond``, ``query.intr``, ``query.term``,
  ``query.spons``, ``query.titles``, ``query.locn``; ``filter.overallStatus``,
  ``filter.ids``, ``filter.advanced`` (``AREA[LastUpdatePostDate]RANGE[from,to]``,
  ``AREA[Phase]X``, joined by AND / OR with parentheses); ``pageSize`` (1..1000, default 10),
  ``pageToken`` / ``nextPageToken``, ``countTotal=true`` (``totalCount``), ``format=json``;
* ``GET /api/v2/studies/{nctId}`` (404 when there is none);
* ``GET /api/int/studies/download?format=json.zip``: every study as ``{nctId}.json`` in a zip,
  with ``Content-Length`` and ``Range`` requests (206, ``Content-Range``);
* error answers on demand (:meth:`CtgovServer.fail`): 400 with its text for a bad
  parameter, 404, 429 with ``Retry-After``, 500, a body cut off mid-page (announced length
  longer than what is sent), a body that is not JSON, a slow answer.

Where it knowingly differs from the real API:

* Text matching is not Essie: a query is words (and quoted phrases) joined by AND / OR;
  each must appear, case-insensitively, as whole words in the fields of the query's search
  area; no stemming, synonyms, MeSH expansion or ranking. The areas' fields are a subset
  of the API's: cond = conditions, keywords, titles, condition MeSH terms; intr =
  intervention names, other names, types, arm labels, intervention MeSH terms; term = all
  the text of the record; spons = lead sponsor and collaborators; titles = brief and
  official title, acronym; locn = facility, city, state, country.
* Studies come sorted by NCT id (the API sorts by relevance unless told), and a page token
  is the offset into that order (the API's is opaque); a token from other parameters is
  not detected.
* ``totalCount`` is sent on every page of a ``countTotal=true`` request, as the API does;
  ``fields`` is ignored (whole records always), other formats than JSON are refused.
* The archive is built from the current records on each request (the API's is made daily),
  and its ``Content-Length`` is announced (the API's download streams without one).
"""

from __future__ import annotations

import copy
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["CtgovServer", "Fault", "load_records", "resample", "resample_bodies"]

STATUSES = {
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
}
_QUERY_AREAS = ("query.cond", "query.intr", "query.term", "query.spons", "query.titles",
                "query.locn")
_KNOWN = {*_QUERY_AREAS, "filter.overallStatus", "filter.ids", "filter.advanced", "pageSize",
          "pageToken", "countTotal", "format", "fields"}


def load_records(folder: Path, capture: str = "2023-09-11") -> dict[str, dict[str, Any]]:
    """Every study in the folder's JSON files by NCT id (the latest ``versionHolder`` of a
    study given twice), NCT04267848 from the given capture."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("NCT04267848."):
            continue
        doc = json.loads(path.read_bytes())
        studies = doc["studies"] if isinstance(doc, dict) and "studies" in doc else doc
        for study in studies if isinstance(studies, list) else [studies]:
            nct = nct_of(study)
            if nct not in out or _version(study) > _version(out[nct]):
                out[nct] = study
    out["NCT04267848"] = json.loads((folder / f"NCT04267848.{capture}.json").read_bytes())
    return out


def resample(records: dict[str, dict[str, Any]], n: int) -> dict[str, dict[str, Any]]:
    """``n`` studies copied round-robin from the records, each with a new NCT id
    (NCT9xxxxxxx) so that all are distinct studies."""
    base = [records[k] for k in sorted(records)]
    out = {}
    for i in range(n):
        study = copy.deepcopy(base[i % len(base)])
        nct = f"NCT9{i:07d}"
        study["protocolSection"]["identificationModule"]["nctId"] = nct
        out[nct] = study
    return out


def resample_bodies(records: dict[str, dict[str, Any]], n: int) -> dict[str, bytes]:
    """Like :func:`resample`, as the JSON each study is served as (for the benchmark: ten
    thousand studies as bytes take a tenth of the memory of ten thousand dicts)."""
    base = []
    for nct in sorted(records):
        body = json.dumps(records[nct]).encode()
        assert body.count(f'"{nct}"'.encode()) >= 1
        base.append((nct.encode(), body))
    out = {}
    for i in range(n):
        nct, body = base[i % len(base)]
        new = f"NCT9{i:07d}"
        out[new] = body.replace(b'"' + nct + b'"', f'"{new}"'.encode())
    return out


def nct_of(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def _version(study: dict[str, Any]) -> str:
    return str(study.get("derivedSection", {}).get("miscInfoModule", {})
               .get("versionHolder", ""))


@dataclass
class Fault:
    """One answer the server gives instead of the normal one, for requests whose path
    contains ``path`` (and, when given, whose query has ``when``)."""

    kind: str  # "status", "cut", "garbage", "slow", "drop"
    status: int = 500
    body: str = "Internal Server Error"
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    path: str = "/studies"
    when: str = ""
    delay: float = 0.0
    #: for "drop" on the archive: bytes sent before the connection is closed
    after: int = 0


@dataclass
class Hit:
    at: float
    path: str
    query: dict[str, list[str]]
    status: int


class CtgovServer:
    """The stand-in server; ``url`` is its API base (``http://127.0.0.1:PORT/api/v2``)."""

    def __init__(self, records: dict[str, dict[str, Any]],
                 bodies: dict[str, bytes] | None = None) -> None:
        self.records = dict(records)
        #: studies held only as the JSON they are served as (no search but "all" for them)
        self.bodies = dict(bodies or {})
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, str]] = {}
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.root}/api/v2"

    def __enter__(self) -> CtgovServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def set_record(self, study: dict[str, Any]) -> None:
        with self._lock:
            self.records[nct_of(study)] = study
            self._index.pop(nct_of(study), None)

    def fail(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def page_hits(self) -> list[Hit]:
        return [h for h in self.hits if h.path.endswith("/studies")]

    # --- searching -------------------------------------------------------------------

    def search(self, query: dict[str, str]) -> list[str]:
        """The NCT ids the query matches, sorted. :raises ValueError: a bad parameter."""
        with self._lock:
            records = dict(self.records)
        if self.bodies:
            if set(query) - {"pageSize", "pageToken", "countTotal", "format"}:
                raise ValueError("this server holds resampled records: it searches all only")
            return sorted(set(records) | set(self.bodies))
        out = []
        statuses = _list(query.get("filter.overallStatus"))
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise ValueError(f"filter.overallStatus: unknown value(s) {', '.join(unknown)}")
        ids = set(_list(query.get("filter.ids")))
        advanced = _parse_advanced(query["filter.advanced"]) if "filter.advanced" in query \
            else None
        matchers = [(p, _parse_text(query[p])) for p in _QUERY_AREAS if query.get(p)]
        for nct in sorted(records):
            study = records[nct]
            ps = study["protocolSection"]
            if statuses and ps.get("statusModule", {}).get("overallStatus") not in statuses:
                continue
            if ids and nct not in ids:
                continue
            if advanced is not None and not advanced(study):
                continue
            if all(match(self._text(nct, study, p)) for p, match in matchers):
                out.append(nct)
        return out

    def _text(self, nct: str, study: dict[str, Any], area: str) -> str:
        with self._lock:
            cached = self._index.get(nct)
            if cached is None:
                cached = self._index[nct] = _areas(study)
        return cached[area]


# --- text areas and matching ----------------------------------------------------------


def _areas(study: dict[str, Any]) -> dict[str, str]:
    ps = study.get("protocolSection", {})
    ds = study.get("derivedSection", {})
    ident = ps.get("identificationModule", {})
    titles = [ident.get("briefTitle"), ident.get("officialTitle"), ident.get("acronym")]
    cond = ps.get("conditionsModule", {})
    arms = ps.get("armsInterventionsModule", {})
    sponsors = ps.get("sponsorCollaboratorsModule", {})
    places = ps.get("contactsLocationsModule", {}).get("locations", [])

    def mesh(module: str) -> list[str]:
        return [m.get("term") for m in ds.get(module, {}).get("meshes", [])]

    def words(values: Iterable[Any]) -> str:
        return " " + " ".join(_norm(str(v)) for v in values if v) + " "

    return {
        "query.cond": words([*cond.get("conditions", []), *cond.get("keywords", []), *titles,
                             *mesh("conditionBrowseModule"), ident.get("nctId")]),
        "query.intr": words([x for iv in arms.get("interventions", [])
                             for x in (iv.get("name"), iv.get("type"),
                                       *iv.get("otherNames", []),
                                       *iv.get("armGroupLabels", []))]
                            + mesh("interventionBrowseModule")),
        "query.term": words([json.dumps(study, ensure_ascii=False)]),
        "query.spons": words([sponsors.get("leadSponsor", {}).get("name"),
                              *[c.get("name") for c in sponsors.get("collaborators", [])]]),
        "query.titles": words(titles),
        "query.locn": words([x for p in places for x in (p.get("facility"), p.get("city"),
                                                        p.get("state"), p.get("country"))]),
    }


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _parse_text(expr: str) -> Callable[[str], bool]:
    """Words and quoted phrases joined by AND / OR (AND binds tighter)."""
    alternatives = [a for a in re.split(r"\s+OR\s+", expr.strip()) if a]
    groups = []
    for alt in alternatives:
        parts = re.findall(r'"[^"]*"|\S+', alt)
        needles = [f" {_norm(p)} " for p in parts if p != "AND" and _norm(p)]
        groups.append(needles)

    def match(text: str) -> bool:
        return any(all(n in text for n in group) for group in groups)

    return match


def _parse_advanced(expr: str) -> Callable[[dict[str, Any]], bool]:
    """``AREA[LastUpdatePostDate]RANGE[a,b]`` and ``AREA[Phase]X`` with AND, OR and
    parentheses. :raises ValueError: anything else."""
    tokens = re.findall(r"\(|\)|AND|OR|AREA\[[A-Za-z]+\](?:RANGE\[[^\]]*\]|[A-Z_0-9]+)", expr)
    if "".join(tokens) != re.sub(r"\s+", "", expr):
        raise ValueError(f"filter.advanced: cannot parse {expr!r}")
    pos = 0

    def atom() -> Callable[[dict[str, Any]], bool]:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            inner = disjunction()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise ValueError(f"filter.advanced: unbalanced parentheses in {expr!r}")
            pos += 1
            return inner
        m = re.fullmatch(r"AREA\[(\w+)\](?:RANGE\[([^,\]]*),([^\]]*)\]|(\w+))", tok)
        if m is None:
            raise ValueError(f"filter.advanced: unexpected {tok!r}")
        area, low, high, value = m.groups()
        if area == "LastUpdatePostDate" and low is not None:
            lo = "" if low.strip() in ("MIN", "") else low.strip()
            hi = "9999" if high.strip() in ("MAX", "") else high.strip()
            return lambda s: lo <= _last_update(s) <= hi + "~"
        if area == "Phase" and value is not None:
            return lambda s: value in s["protocolSection"].get("designModule", {}).get(
                "phases", [])
        raise ValueError(f"filter.advanced: this test server does not know {tok!r}")

    def joined(word: str, part: Callable[[], Callable[[dict[str, Any]], bool]],
               combine: Callable[[Iterable[bool]], bool]) -> Callable[[dict[str, Any]], bool]:
        nonlocal pos
        parts = [part()]
        while pos < len(tokens) and tokens[pos] == word:
            pos += 1
            parts.append(part())
        return lambda s: combine(p(s) for p in parts)

    def disjunction() -> Callable[[dict[str, Any]], bool]:  # AND binds tighter than OR
        return joined("OR", lambda: joined("AND", atom, all), any)

    if not tokens:
        raise ValueError(f"filter.advanced: empty expression {expr!r}")
    result = disjunction()
    if pos != len(tokens):
        raise ValueError(f"filter.advanced: unexpected {tokens[pos]!r}")
    return result


def _last_update(study: dict[str, Any]) -> str:
    return str(study["protocolSection"].get("statusModule", {})
               .get("lastUpdatePostDateStruct", {}).get("date", ""))


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in re.split(r"[|,]", value or "") if v.strip()]


# --- HTTP -----------------------------------------------------------------------------


def _handler(server: CtgovServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            flat = {k: v[-1] for k, v in query.items()}
            hit = Hit(time.monotonic(), parts.path, query, 0)
            server.hits.append(hit)
            fault = self._fault(parts.path, parts.query)
            hit.status = self._answer(parts.path, flat, fault)

        def _fault(self, path: str, raw_query: str) -> Fault | None:
            with server._lock:
                for fault in server.faults:
                    if fault.times > 0 and fault.path in path and fault.when in raw_query:
                        fault.times -= 1
                        return fault
            return None

        def _answer(self, path: str, query: dict[str, str], fault: Fault | None) -> int:
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
                fault = None
            if fault is not None and fault.kind == "status":
                return self._send(fault.status, fault.body.encode(), "text/plain",
                                  fault.headers)
            if path == "/api/int/studies/download":
                return self._archive(fault)
            if path == "/api/v2/studies":
                return self._studies(query, fault)
            m = re.fullmatch(r"/api/v2/studies/([A-Za-z0-9]+)", path)
            if m is not None:
                study = server.records.get(m.group(1).upper())
                if study is None:
                    return self._send(404, f"Study not found: {m.group(1)}".encode(),
                                      "text/plain")
                return self._body(json.dumps(study).encode(), fault)
            return self._send(404, b"Not Found", "text/plain")

        def _studies(self, query: dict[str, str], fault: Fault | None) -> int:
            unknown = sorted(set(query) - _KNOWN)
            if unknown:
                return self._send(400, f"unknown parameter(s): {', '.join(unknown)}".encode(),
                                  "text/plain")
            if query.get("format", "json") != "json":
                return self._send(400, b"format: only json is served here", "text/plain")
            try:
                size = int(query.get("pageSize", "10"))
                if not 0 < size <= 1000:
                    raise ValueError
            except ValueError:
                return self._send(400, b"pageSize must be a number from 1 to 1000",
                                  "text/plain")
            token = query.get("pageToken")
            offset = 0
            if token:
                m = re.fullmatch(r"off(\d+)", token)
                if m is None:
                    return self._send(400, f"pageToken is invalid: {token}".encode(),
                                      "text/plain")
                offset = int(m.group(1))
            try:
                ids = server.search(query)
            except ValueError as exc:
                return self._send(400, str(exc).encode(), "text/plain")
            chunk = ids[offset:offset + size]
            tail: dict[str, Any] = {}
            if offset + size < len(ids):
                tail["nextPageToken"] = f"off{offset + size}"
            if query.get("countTotal") == "true":
                tail["totalCount"] = len(ids)
            studies = b",".join(server.bodies.get(i) or json.dumps(server.records[i]).encode()
                                for i in chunk)
            body = b'{"studies":[' + studies + b"]"
            if tail:
                body += b"," + json.dumps(tail).encode()[1:-1]
            return self._body(body + b"}", fault)

        def _body(self, body: bytes, fault: Fault | None) -> int:
            if fault is not None and fault.kind == "cut":  # announced whole, sent half
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return 200
            if fault is not None and fault.kind == "garbage":  # half a page, no length
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                return 200
            return self._send(200, body, "application/json")

        def _archive(self, fault: Fault | None) -> int:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for nct in sorted(server.records):
                    archive.writestr(f"{nct}.json", json.dumps(server.records[nct]))
            data = buffer.getvalue()
            start = 0
            rng = self.headers.get("Range")
            if rng:
                m = re.fullmatch(r"bytes=(\d+)-", rng.strip())
                if m is None or int(m.group(1)) >= len(data):
                    return self._send(416, b"Range Not Satisfiable", "text/plain",
                                      {"Content-Range": f"bytes */{len(data)}"})
                start = int(m.group(1))
            part = data[start:]
            self.send_response(206 if rng else 200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(part)))
            if rng:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if fault is not None and fault.kind == "drop":
                self.wfile.write(part[: fault.after])
                self.wfile.flush()
                self.close_connection = True
                return 206 if rng else 200
            self.wfile.write(part)
            return 206 if rng else 200

        def _send(self, status: int, body: bytes, ctype: str,
                  headers: dict[str, str] | None = None) -> int:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            return status

    return Handler

