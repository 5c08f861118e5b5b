"""trialkg: clinical-trial records as an RDF knowledge graph linked to MeSH."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialkg")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
