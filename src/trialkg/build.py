"""``trialkg build``: the bundled graph in ``graph/``, built deterministically.

Inputs: the seed-related trials (legacy XML, read in place from ``{shared}/data/ctgov-xml/
seed-trials``), the curated records (``curated/trials``, ``curated/additions``,
``curated/evidence``), the MeSH graph of the descriptors they use, and the ontology
(every ``ontology/*.ttl``).

Two builds from the same inputs are byte-identical: the ingest time is pinned
(``SOURCE_DATE_EPOCH``, else :data:`DEFAULT_EPOCH`), source paths are written relative
(``shared/...``, ``curated/...``) and every file is sorted Turtle. The graph is written to a
temporary folder beside ``out`` and swapped in, so a failed build leaves ``out`` as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from trialkg.exceptions import RecordError, TrialKGError
from trialkg.iris import GRAPH
from trialkg.model import Study
from trialkg.model.results import Evidence
from trialkg.sources import Item, read_paths
from trialkg.store import ONTOLOGY_GRAPH, TrialStore

__all__ = ["DEFAULT_EPOCH", "BuildError", "BuildReport", "build_graph", "build_store",
           "default_shared_dir", "write_graph_dir"]

#: 2026-11-21T00:00:00Z, the day the seed pages were captured: the build's fixed timestamp.
DEFAULT_EPOCH = 1795219200
SEED_TRIALS = ("data", "ctgov-xml", "seed-trials")

_README = """\
# The bundled graph (built by `trialkg build`; do not edit by hand)

One Turtle file per named graph: `graph/X.ttl` holds `https://w3id.org/trialkg/graph/X`.
With no store set up, every trialkg query runs on this graph.

- `ontology.ttl`: the trialkg ontology.
- `study/*.ttl`: the seed-related trials (ClinicalTrials.gov legacy XML, 2018-05-29
  snapshot) and curated trials (`curated/trials`).
- `curated/*.ttl`: curated additions to registry trials (`curated/additions`), each with
  its source page and retrieval date.
- `mesh.ttl`: the MeSH descriptors the trials use, with their ancestors (MeSH is produced
  by the U.S. National Library of Medicine), when the build has the MeSH graph.
- `entities.ttl`: organisations and conditions as worded, described once for all studies.
- `evidence/*.ttl`: published pooled evidence (`curated/evidence`).
- `summary.ttl`: counts over the studies (trials per phase and status, sites per country,
  drug and condition pairs, sponsor collaborations) that the `summary` queries read.

Rebuild with `trialkg build` from the repository root (needs `../shared`).
"""


class BuildError(TrialKGError):
    """The bundled graph cannot be built (missing inputs or bad records)."""


@dataclass
class BuildReport:
    graphs: list[str] = field(default_factory=list)
    triples: int = 0
    notes: list[str] = field(default_factory=list)


def default_shared_dir() -> Path:
    """``$TRIALKG_SHARED``, else ``../shared`` relative to the current directory."""
    return Path(os.environ.get("TRIALKG_SHARED", "../shared"))


@contextmanager
def _pinned_time() -> Iterator[None]:
    old = os.environ.get("SOURCE_DATE_EPOCH")
    if not (old and old.isdigit()):
        os.environ["SOURCE_DATE_EPOCH"] = str(DEFAULT_EPOCH)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _relative(items: list[Item], root: Path, prefix: str) -> list[Study | Evidence]:
    """Records with their source written relative to ``root``; every error raised at once."""
    errors = [str(i) for i in items if isinstance(i, RecordError)]
    if errors:
        raise BuildError("bad input records, nothing written:\n  " + "\n  ".join(errors))
    records = [i for i in items if not isinstance(i, RecordError)]
    for r in records:
        if isinstance(r, Study):
            r.source = f"{prefix}/{Path(r.source).resolve().relative_to(root.resolve()).as_posix()}"
        else:
            r.record = f"{prefix}/{Path(r.record).resolve().relative_to(root.resolve()).as_posix()}"
    return records


def build_store(shared: Path, curated: Path, ontology: Path) -> tuple[TrialStore, BuildReport]:
    """The bundled graph in memory.

    :raises BuildError: an input folder is missing or holds a bad record.
    """
    seeds = shared.joinpath(*SEED_TRIALS)
    for folder, what in ((seeds, "the seed trials"), (ontology, "the ontology")):
        if not folder.is_dir():
            raise BuildError(f"{folder}: no such folder ({what}); give --shared or run "
                             "from the repository root")
    report = BuildReport()
    store = TrialStore.memory()
    g = ox.NamedNode(ONTOLOGY_GRAPH)
    store.store.extend(
        ox.Quad(t.subject, t.predicate, t.object, g)
        for path in sorted(ontology.glob("*.ttl"))
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    )
    studies = _relative(list(read_paths([seeds])), shared, "shared")
    for kind in ("trials", "additions", "evidence"):
        folder = curated / kind
        if folder.is_dir():
            studies += _relative(list(read_paths([folder])), curated, "curated")
    with _pinned_time():
        ingest = store.ingest(studies)
    if not ingest.ok:
        raise BuildError("cannot map records, nothing written:\n  " + "\n  ".join(ingest.errors))
    from trialkg.store.ingest import after_ingest

    after_ingest(store)
    report.graphs = store.named_graphs()
    report.triples = len(store)
    return store, report


def write_graph_dir(store: TrialStore, out: Path) -> None:
    """Every named graph as sorted Turtle below ``out``, swapped in atomically."""
    from trialkg.export import export
    from trialkg.formats import FORMATS

    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=parent))
    try:
        (tmp / "README.md").write_text(_README, "utf-8")
        for graph in store.named_graphs():
            if not graph.startswith(GRAPH):
                continue
            target = tmp / f"{graph[len(GRAPH):]}.ttl"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as stream:
                export(store, FORMATS["turtle"], stream, [graph])
        old = parent / f".{out.name}.old"
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build_graph(shared: Path, out: Path, curated: Path = Path("curated"),
                ontology: Path = Path("ontology")) -> BuildReport:
    """Build the bundled graph into ``out`` (see the module docstring)."""
    store, report = build_store(shared, curated, ontology)
    write_graph_dir(store, out)
    return report
