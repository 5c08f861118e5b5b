"""MeSH for trialkg: the bundled MeSH 2025 vocabulary, NLM file readers, the MeSH named graph,
a free-text linker and SPARQL enrichment.

MeSH is produced by the U.S. National Library of Medicine; see ``trialkg/mesh/data/NOTICE.md``.
"""

from __future__ import annotations

from trialkg.mesh.enrich import EnrichResult, enrich, enriched_vocabulary, fetch_descriptors
from trialkg.mesh.graph import MESH_GRAPH, ROLLS_UP_TO, mesh_graph_quads
from trialkg.mesh.linker import METHODS, Linker, MeshLink
from trialkg.mesh.load import BUNDLED_DIR, load_vocabulary, user_vocabulary_dir
from trialkg.mesh.model import Descriptor, SupplementaryRecord
from trialkg.mesh.sources import load_file
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = [
    "BUNDLED_DIR",
    "MESH_GRAPH",
    "METHODS",
    "ROLLS_UP_TO",
    "Descriptor",
    "EnrichResult",
    "Linker",
    "MeshLink",
    "MeshVocabulary",
    "SupplementaryRecord",
    "enrich",
    "enriched_vocabulary",
    "fetch_descriptors",
    "load_file",
    "load_vocabulary",
    "mesh_graph_quads",
    "user_vocabulary_dir",
]
