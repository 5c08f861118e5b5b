"""The store: trialkg's dataset in Oxigraph, and everything that writes it.

* :mod:`~trialkg.store.core` — open (on disk or in memory), the named graphs, read, replace,
  remove; the write lock is taken on open;
* :mod:`~trialkg.store.opening` — RocksDB opened for the writer, or for a reader while it works;
* :mod:`~trialkg.store.batch` — records prepared and committed in atomic batches;
* :mod:`~trialkg.store.report` — what one ingest did;
* :mod:`~trialkg.store.trialstore` — :class:`TrialStore`: the core plus the ingest of records.

Import the names below from here: ``from trialkg.store import TrialStore``.
"""

from trialkg.iris import STUDY_GRAPH_PREFIX
from trialkg.store.batch import Batch, Prepared, prepare_record, record_key
from trialkg.store.core import (
    BATCH_QUADS,
    BATCH_SIZE,
    ENTITIES_GRAPH,
    MESH_GRAPH,
    ONTOLOGY_GRAPH,
    SUMMARY_GRAPH,
    GraphInfo,
    StoreCore,
    default_store_path,
    graph_kind,
)
from trialkg.store.opening import is_transient_store_error
from trialkg.store.report import OLDER, UNCHANGED, IngestReport
from trialkg.store.trialstore import TrialStore

__all__ = [
    "BATCH_QUADS",
    "BATCH_SIZE",
    "ENTITIES_GRAPH",
    "MESH_GRAPH",
    "OLDER",
    "ONTOLOGY_GRAPH",
    "STUDY_GRAPH_PREFIX",
    "SUMMARY_GRAPH",
    "UNCHANGED",
    "Batch",
    "GraphInfo",
    "IngestReport",
    "Prepared",
    "StoreCore",
    "TrialStore",
    "default_store_path",
    "graph_kind",
    "is_transient_store_error",
    "prepare_record",
    "record_key",
]
