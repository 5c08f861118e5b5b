"""The RDF formats trialkg reads and writes, listed once.

Each :class:`RdfFormatInfo` knows its CLI name, its pyoxigraph format (hence media type and
file extension) and whether it carries named graphs.

>>> FORMATS["turtle"].extension
'ttl'
>>> format_for_path("graph.nq").name
'nquads'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

__all__ = ["DEFAULT_FORMAT", "FORMATS", "RdfFormatInfo", "format_for_path", "get_format"]


@dataclass(frozen=True)
class RdfFormatInfo:
    name: str
    rdf_format: ox.RdfFormat
    title: str

    @property
    def extension(self) -> str:
        return str(self.rdf_format.file_extension)

    @property
    def media_type(self) -> str:
        return str(self.rdf_format.media_type)

    @property
    def has_graphs(self) -> bool:
        return bool(self.rdf_format.supports_datasets)


FORMATS: dict[str, RdfFormatInfo] = {
    f.name: f
    for f in (
        RdfFormatInfo("turtle", ox.RdfFormat.TURTLE, "Turtle"),
        RdfFormatInfo("ntriples", ox.RdfFormat.N_TRIPLES, "N-Triples"),
        RdfFormatInfo("nquads", ox.RdfFormat.N_QUADS, "N-Quads"),
        RdfFormatInfo("trig", ox.RdfFormat.TRIG, "TriG"),
        RdfFormatInfo("jsonld", ox.RdfFormat.JSON_LD, "JSON-LD"),
        RdfFormatInfo("rdfxml", ox.RdfFormat.RDF_XML, "RDF/XML"),
    )
}
DEFAULT_FORMAT = "turtle"

_BY_EXTENSION = {f.extension: f for f in FORMATS.values()} | {
    "jsonld": FORMATS["jsonld"],
    "json": FORMATS["jsonld"],
    "xml": FORMATS["rdfxml"],
    "owl": FORMATS["rdfxml"],
}


def get_format(name: str) -> RdfFormatInfo:
    return FORMATS[name]


def format_for_path(path: str | Path) -> RdfFormatInfo | None:
    """The format a file name implies by its extension, or None."""
    suffix = Path(path).suffix.lstrip(".").lower()
    return _BY_EXTENSION.get(suffix)
