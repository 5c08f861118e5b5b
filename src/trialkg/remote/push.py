"""Upload the local store to a remote server, named graph by named graph.

Two ways in:

* :class:`GraphStoreTarget` — the SPARQL 1.1 Graph Store HTTP Protocol (Oxigraph's
  ``/store``, Fuseki's ``/ds/data``, GraphDB's ``/repositories/R/rdf-graphs/service``):
  ``PUT ?graph=IRI`` replaces a graph, so pushing twice leaves the server unchanged;
* :class:`UpdateTarget` — SPARQL Update only: ``DROP SILENT GRAPH`` + ``INSERT DATA`` with
  the terms written by pyoxigraph (never raw text).

A graph larger than ``chunk_size`` triples goes in several requests: the first replaces the
graph (PUT / DROP+INSERT), the next ones add to it (POST / INSERT DATA). Each request is atomic
on the server, the graph as a whole is NOT: while a big graph is being pushed, or after a
failure in its middle, the server holds a part of it. A failed graph is reported (graph,
chunk, the server's message) and stays out of the state file, so ``--resume`` pushes it again
from its first chunk — which replaces the partial copy. Graphs with blank nodes are sent in
one request (blank node labels do not survive across requests).

The state file (``$XDG_CACHE_HOME/trialkg/push/<key>.json``, keyed by endpoint URL and store)
lists each completed graph with its triple count and an order-independent digest; ``--resume``
skips a listed graph only when its local content still has that digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import pyoxigraph as ox

from trialkg.exceptions import EndpointError
from trialkg.store import TrialStore
from trialkg.web.config import redact_url, strip_userinfo
from trialkg.web.http import HttpClient, HttpError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "GraphStoreTarget",
    "PushFailure",
    "PushReport",
    "PushState",
    "UpdateTarget",
    "push_graphs",
]

DEFAULT_CHUNK_SIZE = 50_000


class PushTarget(Protocol):
    def send(self, graph: str, triples: list[ox.Triple], *, first: bool) -> None:
        """Replace (first chunk) or extend the graph on the server.

        :raises EndpointError: the server refused or could not be reached.
        """


@dataclass
class GraphStoreTarget:
    """The Graph Store HTTP Protocol endpoint at ``url`` (N-Triples bodies)."""

    url: str
    client: HttpClient

    def send(self, graph: str, triples: list[ox.Triple], *, first: bool) -> None:
        sep = "&" if "?" in self.url else "?"
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self.client.request(
            "PUT" if first else "POST",
            self.url + sep + urlencode({"graph": graph}),
            body=body,
            headers={"Content-Type": "application/n-triples"},
            what="upload",
        )


@dataclass
class UpdateTarget:
    """A SPARQL Update endpoint at ``url``."""

    url: str
    client: HttpClient

    def send(self, graph: str, triples: list[ox.Triple], *, first: bool) -> None:
        g = ox.NamedNode(graph)
        data = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
        text = f"INSERT DATA {{ GRAPH {g} {{\n{data}\n}} }}"
        if first:
            text = f"DROP SILENT GRAPH {g} ;\n{text}"
        self.client.request(
            "POST", self.url, body=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
            what="update",
        )


@dataclass(frozen=True)
class PushFailure:
    graph: str
    chunk: int
    chunks: int
    message: str

    def __str__(self) -> str:
        return f"{self.graph}: chunk {self.chunk} of {self.chunks} failed: {self.message}"


@dataclass
class PushReport:
    pushed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[PushFailure] = field(default_factory=list)
    not_tried: list[str] = field(default_factory=list)
    triples: int = 0
    requests: int = 0
    aborted: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_tried

    def summary(self) -> str:
        parts = [f"{len(self.pushed)} graphs pushed ({self.triples} triples, "
                 f"{self.requests} requests)"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped as already pushed (--resume)")
        parts.append(f"{len(self.failed)} failed")
        if self.not_tried:
            parts.append(f"{len(self.not_tried)} not tried")
        return ", ".join(parts)


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int
    digest: str
    blank_nodes: bool


def describe_graph(store: TrialStore, graph: str) -> GraphInfo:
    """Count, digest (independent of order) and blank-node flag of one named graph."""
    total = 0
    count = 0
    blank = False
    for q in store.quads([graph]):
        line = f"{q.subject} {q.predicate} {q.object}"
        total += int.from_bytes(hashlib.sha256(line.encode()).digest()[:16], "big")
        count += 1
        blank = blank or isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
    return GraphInfo(graph, count, f"{count}:{total % 2**128:032x}", blank)


class PushState:
    """The completed graphs of a push to one endpoint from one store, on disk."""

    def __init__(self, path: Path, endpoint: str, store: str) -> None:
        self.path = path
        self.endpoint = endpoint
        self.store = store
        self.done: dict[str, str] = {}

    @classmethod
    def for_push(cls, endpoint: str, store: str) -> PushState:
        key = hashlib.sha256(f"{strip_userinfo(endpoint)}\n{store}".encode()).hexdigest()[:20]
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(Path(base) / "trialkg" / "push" / f"{key}.json", endpoint, store)

    def load(self) -> PushState:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            self.done = {str(k): str(v) for k, v in data.get("completed", {}).items()}
        except (OSError, ValueError, AttributeError):
            self.done = {}
        return self

    def mark(self, info: GraphInfo) -> None:
        self.done[info.iri] = info.digest
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {"endpoint": redact_url(self.endpoint), "store": self.store,
                   "completed": self.done}
        tmp.write_text(json.dumps(payload, indent=1), "utf-8")
        tmp.replace(self.path)

    def clear(self) -> None:
        self.done = {}
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _chunks(store: TrialStore, graph: str, size: int) -> Iterator[list[ox.Triple]]:
    triples = (q.triple for q in store.quads([graph]))
    while chunk := list(islice(triples, size)):
        yield chunk


def push_graphs(
    store: TrialStore,
    target: PushTarget,
    graphs: list[str],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    state: PushState | None = None,
    resume: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_chunk: Callable[[str, int], None] | None = None,
) -> PushReport:
    """Push ``graphs`` of ``store`` to ``target``; failures end up in the report, not raised.

    A refused chunk fails its graph and the push goes on with the next graph; an unreachable
    server or refused credentials stop the push (``report.aborted``), the graphs left are
    listed in ``report.not_tried``.
    """
    report = PushReport()
    infos = [describe_graph(store, g) for g in graphs]
    if state is not None and not resume:
        state.clear()
    todo = []
    for info in infos:
        if resume and state is not None and state.done.get(info.iri) == info.digest:
            report.skipped.append(info.iri)
        else:
            todo.append(info)
    if on_start is not None:
        on_start(sum(i.triples for i in todo))
    for n, info in enumerate(todo):
        size = info.triples if info.blank_nodes else chunk_size
        chunks = max(1, -(-info.triples // max(size, 1)))
        chunk_no = 0
        try:
            # An empty graph still gets one (empty) PUT so that it exists on the server.
            for chunk_no, chunk in enumerate(_chunks(store, info.iri, max(size, 1)), start=1):
                target.send(info.iri, chunk, first=chunk_no == 1)
                report.requests += 1
                report.triples += len(chunk)
                if on_chunk is not None:
                    on_chunk(info.iri, len(chunk))
            if chunk_no == 0:
                target.send(info.iri, [], first=True)
                report.requests += 1
        except HttpError as exc:
            report.failed.append(PushFailure(info.iri, max(chunk_no, 1), chunks, exc.message
                                             or str(exc)))
            continue
        except EndpointError as exc:  # unreachable, or credentials refused: stop here
            report.failed.append(PushFailure(info.iri, max(chunk_no, 1), chunks, str(exc)))
            report.not_tried = [i.iri for i in todo[n + 1:]]
            report.aborted = str(exc)
            break
        report.pushed.append(info.iri)
        if state is not None:
            state.mark(info)
    return report
