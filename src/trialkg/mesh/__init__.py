"""MeSH for trialkg: the bundled MeSH 2025 vocabulary, NLM file readers, the MeSH named graph,
a free-text linker and SPARQL enrichment.

MeSH is produced by the U.S. National Library of Medicine; see ``trialkg/mesh/data/NOTICE.md``.
"""

from __future__ import annotations

from trialkg.mesh.load import BUNDLED_DIR, load_vocabulary, user_vocabulary_dir
from trialkg.mesh.model import Descriptor, SupplementaryRecord
from trialkg.mesh.sources import load_file
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = [
    "BUNDLED_DIR",
    "Descriptor",
    "MeshVocabulary",
    "SupplementaryRecord",
    "load_file",
    "load_vocabulary",
    "user_vocabulary_dir",
]
