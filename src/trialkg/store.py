"""The Oxigraph store: open, ingest studies atomically, remove, describe.

Layout of the dataset:

* ``graph/ontology`` — the trialkg ontology;
* ``graph/mesh`` — the MeSH descriptors the studies use, with their ancestors;
* ``graph/study/{id}`` — one graph per study, holding its triples and provenance.

Writes are transactional: a batch of new studies goes in with one ``extend`` (all or
nothing); a changed study is replaced by one SPARQL update that drops and re-inserts its
graph, so readers never see a half-written study and an interruption leaves each study
either fully in (old or new version) or fully out.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from trialkg.exceptions import RecordError, StoreError, StoreLockedError
from trialkg.iris import GRAPH, TKG, graph_iri, study_graph_iri
from trialkg.model import Study
from trialkg.results import Evidence

__all__ = [
    "MESH_GRAPH",
    "ONTOLOGY_GRAPH",
    "IngestReport",
    "TrialStore",
    "default_store_path",
]

ONTOLOGY_GRAPH = graph_iri("ontology")
MESH_GRAPH = graph_iri("mesh")
STUDY_GRAPH_PREFIX = GRAPH + "study/"
_RECORD_VERSION = ox.NamedNode(TKG + "recordVersion")
_RECORD_DIGEST = ox.NamedNode(TKG + "recordDigest")
BATCH_SIZE = 500


def default_store_path() -> Path:
    """The per-user store: ``$TRIALKG_STORE``, else the platform's user data directory."""
    env = os.environ.get("TRIALKG_STORE")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "trialkg" / "store"


@dataclass
class IngestReport:
    """What one ingest did; ``errors`` holds one message per failed record or file."""

    loaded: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0
    failed: int = 0
    triples: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        loaded = f"{self.loaded} studies loaded"
        if self.replaced:
            loaded += f" ({self.replaced} replacing an earlier version)"
        parts = [loaded]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.older:
            parts.append(f"{self.older} older than the stored version (kept the stored one)")
        parts.append(f"{self.failed} failed")
        parts.append(f"{self.triples} triples written")
        return ", ".join(parts)


class TrialStore:
    """A trialkg dataset in Oxigraph: on disk for a user's store, in memory for tests."""

    def __init__(self, store: ox.Store, path: Path | None = None, read_only: bool = False):
        self.store = store
        self.path = path
        self.read_only = read_only

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def memory(cls) -> TrialStore:
        """A new empty in-memory store."""
        return cls(ox.Store())

    @classmethod
    def open(cls, path: Path | str | None = None, *, read_only: bool = False) -> TrialStore:
        """Open (creating it for writing) the store at ``path`` or the per-user default.

        :raises StoreLockedError: another process is writing to the store.
        :raises StoreError: the store does not exist (read-only) or cannot be opened.
        """
        where = Path(path) if path is not None else default_store_path()
        try:
            if read_only:
                if not where.is_dir():
                    raise StoreError(f"no store at {where} (run `trialkg ingest` first)")
                return cls(ox.Store.read_only(str(where)), where, read_only=True)
            where.mkdir(parents=True, exist_ok=True)
            return cls(ox.Store(str(where)), where)
        except OSError as exc:
            if isinstance(exc, StoreError):
                raise
            text = str(exc)
            if "lock" in text.lower():
                raise StoreLockedError(
                    f"the store at {where} is in use by another trialkg process "
                    "(wait for it to finish, or use --store for another store)"
                ) from None
            raise StoreError(f"cannot open the store at {where}: {text}") from None

    @staticmethod
    def exists(path: Path | str | None = None) -> bool:
        where = Path(path) if path is not None else default_store_path()
        return where.is_dir() and any(where.iterdir())

    def flush(self) -> None:
        if not self.read_only and self.path is not None:
            self.store.flush()

    # --- writing ---------------------------------------------------------------------

    def load_ontology(self) -> int:
        """(Re)load the ontology graph from every packaged module; returns its triples."""
        from trialkg.resources import ontology_files

        g = ox.NamedNode(ONTOLOGY_GRAPH)
        quads = [
            q
            for path in ontology_files()
            for q in _with_stable_blank_nodes(
                ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), path.stem, g
            )
        ]
        return self.replace_graph(ONTOLOGY_GRAPH, list(dict.fromkeys(quads)))

    def replace_graph_from_file(self, graph: str, path: Path) -> int:
        """Replace one named graph with the triples of an RDF file (format by extension)."""
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise StoreError(f"{path}: unknown RDF file extension")
        g = ox.NamedNode(graph)
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, g)
            for q in ox.parse(path=str(path), format=fmt)
        ]
        return self.replace_graph(graph, quads)

    def replace_graph(self, graph: str, quads: list[ox.Quad]) -> int:
        """Atomically replace a named graph's content."""
        g = ox.NamedNode(graph)
        # One update (atomic). INSERT DATA relabels blank nodes (the ontology's OWL axioms);
        # exports canonicalise them, so the labels do not matter.
        if self.store.contains_named_graph(g):
            self.store.update(_replace_update({graph: quads}))
        else:
            self.store.extend(quads)
        return len(quads)

    def remove_studies(self, trial_ids: Iterable[str]) -> list[str]:
        """Remove studies by id; returns the ids that were present."""
        removed = []
        for tid in trial_ids:
            g = ox.NamedNode(study_graph_iri(tid))
            if self.store.contains_named_graph(g):
                self.store.remove_graph(g)
                removed.append(tid)
        return removed

    def ingest(
        self,
        items: Iterable[Study | Evidence | RecordError],
        *,
        on_item: Callable[[Study | Evidence | RecordError], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> IngestReport:
        """Load studies and evidence records (replacing earlier versions); errors are counted."""
        from trialkg.mapping import record_graph_iri, study_quads
        from trialkg.results_mapping import evidence_graph_iri, evidence_quads

        report = IngestReport()
        new: dict[str, list[ox.Quad]] = {}
        changed: dict[str, list[ox.Quad]] = {}

        def commit() -> None:
            if new:
                quads = [q for qs in new.values() for q in qs]
                self.store.extend(quads)
                report.loaded += len(new)
                report.triples += len(quads)
            if changed:
                self.store.update(_replace_update(changed))
                report.loaded += len(changed)
                report.replaced += len(changed)
                report.triples += sum(len(qs) for qs in changed.values())
            new.clear()
            changed.clear()

        for item in items:
            if on_item is not None:
                on_item(item)
            if isinstance(item, RecordError):
                report.failed += 1
                report.errors.append(str(item))
                continue
            if isinstance(item, Evidence):  # published evidence: a graph per record key
                graph, version = evidence_graph_iri(item.key), None
            else:
                graph, version = record_graph_iri(item), item.version
            if graph in new or graph in changed:  # the same study twice in one batch
                commit()
            stored_version, stored_digest = self._stored_version(graph)
            if stored_version is not None and version:
                if version == stored_version:
                    report.unchanged += 1
                    continue
                if version < stored_version:  # ISO dates compare as text
                    report.older += 1
                    continue
            try:
                quads = evidence_quads(item) if isinstance(item, Evidence) else study_quads(item)
            except (ValueError, TypeError) as exc:  # a record the mapping cannot express
                report.failed += 1
                where = ((item.record, item.key) if isinstance(item, Evidence)
                         else (item.source, item.record or item.trial_id))
                report.errors.append(str(RecordError(f"cannot map record: {exc}",
                                                     source=where[0], record=where[1])))
                continue
            if stored_digest is not None:
                digest = next(_lexical(q.object) for q in quads if q.predicate == _RECORD_DIGEST)
                if digest == stored_digest:
                    report.unchanged += 1
                    continue
                changed[graph] = quads
            else:
                new[graph] = quads
            if len(new) + len(changed) >= batch_size:
                commit()
        commit()
        return report

    def _stored_version(self, graph: str) -> tuple[str | None, str | None]:
        g = ox.NamedNode(graph)
        version = digest = None
        for q in self.store.quads_for_pattern(g, _RECORD_VERSION, None, g):
            version = _lexical(q.object)
        for q in self.store.quads_for_pattern(g, _RECORD_DIGEST, None, g):
            digest = _lexical(q.object)
        return version, digest

    # --- reading ---------------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def study_ids(self) -> list[str]:
        return [g[len(STUDY_GRAPH_PREFIX):] for g in self.named_graphs()
                if g.startswith(STUDY_GRAPH_PREFIX)]

    def quads(self, graphs: Iterable[str] | None = None) -> Iterator[ox.Quad]:
        """Quads of the whole store or of the given named graphs, in store order."""
        if graphs is None:
            yield from self.store.quads_for_pattern(None, None, None, None)
            return
        for g in graphs:
            yield from self.store.quads_for_pattern(None, None, None, ox.NamedNode(g))

    def __len__(self) -> int:
        return len(self.store)


def _lexical(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else str(term.value)


def _with_stable_blank_nodes(
    triples: Iterable[ox.Triple], label: str, graph: ox.NamedNode
) -> Iterator[ox.Quad]:
    """Quads in ``graph`` whose blank nodes are named ``{label}_{n}`` in order of appearance.

    Parsers give blank nodes random labels; labels from the file's name and order make
    exports of the ontology reproducible.
    """
    prefix = re.sub(r"[^A-Za-z0-9]", "_", label)
    nodes: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term: ox.BlankNode) -> ox.BlankNode:
        return nodes.setdefault(term, ox.BlankNode(f"{prefix}_{len(nodes) + 1}"))

    for t in triples:
        s, o = t.subject, t.object
        yield ox.Quad(stable(s) if isinstance(s, ox.BlankNode) else s, t.predicate,
                      stable(o) if isinstance(o, ox.BlankNode) else o, graph)


def _replace_update(graphs: dict[str, list[ox.Quad]]) -> str:
    """One SPARQL update that drops and re-inserts the given graphs (atomic in Oxigraph)."""
    drops = "\n".join(f"DROP SILENT GRAPH <{g}> ;" for g in graphs)
    body = "\n".join(
        f"GRAPH <{g}> {{\n" + "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in qs)
        + "\n}"
        for g, qs in graphs.items()
    )
    return f"{drops}\nINSERT DATA {{\n{body}\n}}"
