"""Finding and loading a vocabulary: a user-imported release first, else the bundled one.

Which release :func:`load_vocabulary` reads, in order:

1. the ``directory`` argument;
2. ``$TRIALKG_MESH_DIR``;
3. ``<user data dir>/trialkg/mesh`` when ``trialkg mesh import`` has written it there
   (``~/.local/share/trialkg/mesh`` on Linux);
4. the MeSH 2025 table bundled in the package (``trialkg/mesh/data``).

>>> load_vocabulary(BUNDLED_DIR).version
'2025'
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Iterator
from pathlib import Path

from trialkg.exceptions import MeshError
from trialkg.mesh.model import SupplementaryRecord
from trialkg.mesh.paths import user_data_dir
from trialkg.mesh.sources.common import open_text
from trialkg.mesh.table import (
    DESCRIPTORS_FILE,
    SUPPLEMENTARY_FILE,
    VERSION_FILE,
    read_descriptors,
    read_supplementary,
)
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = ["BUNDLED_DIR", "default_vocabulary_dir", "load_vocabulary", "user_vocabulary_dir"]

#: The MeSH release shipped inside the package.
BUNDLED_DIR = Path(__file__).resolve().parent / "data"


def user_vocabulary_dir() -> Path:
    """Where ``trialkg mesh import`` writes a release (``$TRIALKG_MESH_DIR`` wins)."""
    env = os.environ.get("TRIALKG_MESH_DIR")
    return Path(env) if env else user_data_dir() / "mesh"


def default_vocabulary_dir() -> Path:
    """The directory :func:`load_vocabulary` reads when given none."""
    user = user_vocabulary_dir()
    if (user / DESCRIPTORS_FILE).is_file():
        return user
    return BUNDLED_DIR


def load_vocabulary(directory: Path | str | None = None) -> MeshVocabulary:
    """The MeSH vocabulary, read once per directory and cached.

    Descriptors are read at once (about 0.3 s CPU for MeSH 2025); the 323,000 supplementary
    records on first use (1.5 to 2.5 s), or only the rows asked for
    (:meth:`~MeshVocabulary.supplementary_for`, a scan of the file: about 0.5 s).

    :raises MeshError: the directory is not a vocabulary directory or a file in it is bad.
    """
    path = Path(directory) if directory is not None else default_vocabulary_dir()
    return _load(path.resolve())


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> MeshVocabulary:
    descriptors_file = directory / DESCRIPTORS_FILE
    if not descriptors_file.is_file():
        raise MeshError(f"{directory}: not a MeSH vocabulary directory (no {DESCRIPTORS_FILE})")
    version_file = directory / VERSION_FILE
    releases = version_file.read_text("utf-8").split() if version_file.is_file() else []
    version = releases[0] if releases else "unknown"
    earlier = releases[1] if len(releases) > 1 else None
    with open_text(descriptors_file) as lines:
        descriptors = list(read_descriptors(lines, str(descriptors_file), trusted=True))
    supplementary_file = directory / SUPPLEMENTARY_FILE

    def supplementary(only: Collection[str] | None = None) -> Iterator[SupplementaryRecord]:
        if not supplementary_file.is_file():
            return
        with open_text(supplementary_file) as lines:
            yield from read_supplementary(lines, str(supplementary_file), trusted=True,
                                          only=only)

    return MeshVocabulary(descriptors, supplementary, version=version, source=str(directory),
                          supplementary_lookup=supplementary, earlier_release=earlier)
