"""Readers for MeSH files, one module per format, each producing a MeshVocabulary.

:func:`load_file` routes by file name (see :data:`FORMATS`).
"""

from __future__ import annotations

from trialkg.mesh.sources.route import FORMATS, detect_format, load_file

__all__ = ["FORMATS", "detect_format", "load_file"]
