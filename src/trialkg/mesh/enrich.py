"""Fetch descriptors the local vocabulary lacks from a MeSH SPARQL endpoint, and cache them.

The default endpoint is NLM's (``https://id.nlm.nih.gov/mesh/sparql``, graph
``http://id.nlm.nih.gov/mesh``); ``$TRIALKG_MESH_ENDPOINT`` or an argument points elsewhere
(any SPARQL 1.1 endpoint holding NLM's MeSH RDF, such as ``oxigraph serve``).

Queries are built only from validated, normalised UIs (``D`` and digits) placed in a
``VALUES`` block, never from raw user text. Each SELECT covers at most
:data:`BATCH_UIS` descriptors and pages through its rows :data:`PAGE_ROWS` at a time. They go
through SPARQLWrapper as ``trialkg sparql --endpoint`` queries do
(:func:`trialkg.web.endpoint.send_query`: timeout, TLS checks, the server's error text),
without retries.

The cache is one JSON file per endpoint in the cache directory (``--cache``,
``$TRIALKG_CACHE``, else the per-user cache dir). It is written only after every batch
succeeded, to a temporary file renamed into place: a failure leaves the old cache intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialkg.exceptions import EndpointError, MeshError
from trialkg.iris import MESH, MESHV, RDFS, normalise_mesh_id
from trialkg.mesh.model import Descriptor
from trialkg.mesh.paths import user_cache_dir
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = [
    "BATCH_UIS",
    "DEFAULT_ENDPOINT",
    "DEFAULT_GRAPH",
    "PAGE_ROWS",
    "EnrichResult",
    "build_query",
    "cache_file",
    "cached_descriptors",
    "default_endpoint",
    "enrich",
    "enriched_vocabulary",
    "fetch_descriptors",
]

DEFAULT_ENDPOINT = "https://id.nlm.nih.gov/mesh/sparql"
DEFAULT_GRAPH = "http://id.nlm.nih.gov/mesh"
BATCH_UIS = 200
PAGE_ROWS = 1000
_PREDICATES = {
    RDFS + "label": "label",
    MESHV + "treeNumber": "tree",
    MESHV + "broaderDescriptor": "broader",
}


def default_endpoint() -> str:
    """``$TRIALKG_MESH_ENDPOINT`` or NLM's endpoint."""
    return os.environ.get("TRIALKG_MESH_ENDPOINT") or DEFAULT_ENDPOINT


def build_query(uis: Iterable[str], *, graph: str | None, offset: int = 0) -> str:
    """The SELECT for one batch; every UI is normalised (and so validated) first.

    >>> print(build_query(["D000018223"], graph=None))  # doctest: +NORMALIZE_WHITESPACE
    SELECT ?d ?p ?o WHERE {
      VALUES ?d { <http://id.nlm.nih.gov/mesh/D018223> }
      VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#label>
        <http://id.nlm.nih.gov/mesh/vocab#treeNumber>
        <http://id.nlm.nih.gov/mesh/vocab#broaderDescriptor> }
      ?d ?p ?o
    } ORDER BY ?d ?p ?o LIMIT 1000 OFFSET 0
    >>> build_query(["D1> } DROP ALL"], graph=None)
    Traceback (most recent call last):
    ...
    trialkg.exceptions.MeshError: not a MeSH id: 'D1> } DROP ALL'

    :raises MeshError: a UI is not a MeSH descriptor UI.
    """
    values = []
    for raw in uis:
        ui = normalise_mesh_id(raw)
        if not ui.startswith("D"):
            raise MeshError(f"not a descriptor UI: {raw!r} (enrich fetches descriptors)")
        values.append(f"<{MESH}{ui}>")
    predicates = "\n    ".join(f"<{p}>" for p in _PREDICATES)
    source = f"FROM <{graph}>\n" if graph else ""
    return (
        f"SELECT ?d ?p ?o {source}WHERE {{\n"
        f"  VALUES ?d {{ {' '.join(values)} }}\n"
        f"  VALUES ?p {{ {predicates} }}\n"
        f"  ?d ?p ?o\n"
        f"}} ORDER BY ?d ?p ?o LIMIT {PAGE_ROWS} OFFSET {int(offset)}"
    )


def _select(endpoint: str, query: str, timeout: float) -> list[dict[str, Any]]:
    # SPARQLWrapper (heavy import, only when enriching), as for `trialkg sparql --endpoint`.
    from trialkg.web.endpoint import send_query
    from trialkg.web.http import HttpClient

    try:
        answer = send_query(HttpClient(timeout=timeout, retries=0), endpoint, query,
                            method="GET",
                            parameters={"inference": "false"})  # NLM's option; others ignore it
        result = json.loads(answer.body)
    except EndpointError as exc:
        raise MeshError(f"MeSH enrichment failed: {exc}") from None  # exc names the URL
    except ValueError:
        result = None
    if not isinstance(result, dict) or "results" not in result:
        raise MeshError(f"MeSH SPARQL endpoint {endpoint}: the answer is not SPARQL JSON")
    rows: list[dict[str, Any]] = result["results"].get("bindings", [])
    return rows


def fetch_descriptors(
    uis: Iterable[str],
    endpoint: str | None = None,
    *,
    graph: str | None = DEFAULT_GRAPH,
    timeout: float = 60,
    progress: Callable[[int, int], None] | None = None,
) -> list[Descriptor]:
    """Labels, tree numbers and broader descriptors of these UIs, from the endpoint.

    UIs the endpoint does not know are left out of the result. ``progress(done, total)`` is
    called after each batch.

    :raises MeshError: a UI is malformed, or the endpoint is unreachable or answers badly.
    """
    url = endpoint or default_endpoint()
    wanted = sorted({normalise_mesh_id(u) for u in uis})
    facts: dict[str, dict[str, list[str]]] = {}
    for start in range(0, len(wanted), BATCH_UIS):
        batch = wanted[start : start + BATCH_UIS]
        offset = 0
        while True:
            rows = _select(url, build_query(batch, graph=graph, offset=offset), timeout)
            for row in rows:
                d = row["d"]["value"]
                kind = _PREDICATES.get(row["p"]["value"])
                if kind is None or not d.startswith(MESH):
                    continue
                value = row["o"]["value"]
                if kind != "label":
                    value = value.rpartition("/")[2]
                facts.setdefault(normalise_mesh_id(d), {}).setdefault(kind, []).append(value)
            if len(rows) < PAGE_ROWS:
                break
            offset += PAGE_ROWS
        if progress is not None:
            progress(min(start + BATCH_UIS, len(wanted)), len(wanted))
    out = []
    for ui in sorted(facts):
        f = facts[ui]
        labels = f.get("label", [])
        broader = tuple(sorted({normalise_mesh_id(b) for b in f.get("broader", [])}))
        out.append(
            Descriptor(ui, labels[0] if labels else "", (), tuple(sorted(set(f.get("tree", [])))),
                       broader)
        )
    return out


def cache_file(cache_dir: Path | None, endpoint: str) -> Path:
    """The cache file for one endpoint (its name holds a hash of the endpoint URL)."""
    base = cache_dir if cache_dir is not None else user_cache_dir()
    digest = hashlib.sha256(endpoint.encode("utf-8")).hexdigest()[:12]
    return base / "mesh" / f"enrich-{digest}.json"


def cached_descriptors(path: Path) -> dict[str, Descriptor]:
    """Descriptors in a cache file; empty when there is none.

    :raises MeshError: the cache file exists but is not a trialkg enrichment cache.
    """
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
        return {
            ui: Descriptor(ui, d["label"], (), tuple(d["tree_numbers"]), tuple(d["broader"]))
            for ui, d in data["descriptors"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MeshError(f"{path}: not a trialkg MeSH cache ({exc}); delete it to refetch") from None


def _write_cache(path: Path, endpoint: str, descriptors: dict[str, Descriptor]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "endpoint": endpoint,
        "descriptors": {
            ui: {"label": d.label, "tree_numbers": list(d.tree_numbers), "broader": list(d.broader)}
            for ui, d in sorted(descriptors.items())
        },
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with open(fd, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=1, ensure_ascii=False)
            stream.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class EnrichResult:
    """What :func:`enrich` did: UIs fetched, found, not found, and where the cache is."""

    cache: Path
    requested: list[str] = field(default_factory=list)
    fetched: list[Descriptor] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)


def enrich(
    uis: Iterable[str],
    vocab: MeshVocabulary,
    *,
    endpoint: str | None = None,
    cache_dir: Path | None = None,
    graph: str | None = DEFAULT_GRAPH,
    refresh: bool = False,
    timeout: float = 60,
    progress: Callable[[int, int], None] | None = None,
) -> EnrichResult:
    """Fetch the UIs that neither ``vocab`` nor the cache knows, and add them to the cache.

    With ``refresh`` every UI is fetched again. Nothing is written unless every query
    succeeded.

    :raises MeshError: malformed UI, failing endpoint, or a corrupt cache file.
    """
    url = endpoint or default_endpoint()
    path = cache_file(cache_dir, url)
    wanted = sorted({normalise_mesh_id(u) for u in uis})
    for ui in wanted:
        if not ui.startswith("D"):
            raise MeshError(f"not a descriptor UI: {ui} (enrich fetches descriptors)")
    cached = cached_descriptors(path)
    result = EnrichResult(cache=path, requested=wanted)
    todo = []
    for ui in wanted:
        if not refresh and (ui in cached or vocab.descriptor(ui) is not None):
            result.known.append(ui)
        else:
            todo.append(ui)
    if not todo:
        return result
    fetched = fetch_descriptors(todo, url, graph=graph, timeout=timeout, progress=progress)
    result.fetched = fetched
    found = {d.ui for d in fetched}
    result.missing = [ui for ui in todo if ui not in found]
    cached.update({d.ui: d for d in fetched})
    _write_cache(path, url, cached)
    return result


def enriched_vocabulary(
    vocab: MeshVocabulary, *, endpoint: str | None = None, cache_dir: Path | None = None
) -> MeshVocabulary:
    """``vocab`` plus the descriptors cached from an endpoint (no network access)."""
    cached = cached_descriptors(cache_file(cache_dir, endpoint or default_endpoint()))
    return vocab.extended(cached.values()) if cached else vocab
