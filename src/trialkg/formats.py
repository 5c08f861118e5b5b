"""The RDF formats trialkg reads and writes, listed once.

Each :class:`RdfFormatInfo` knows its CLI name, its pyoxigraph format (hence media type and
file extension) and whether it carries named graphs.

>>> FORMATS["turtle"].extension
'ttl'
>>> format_for_path("graph.nq").name
'nquads'
>>> get_format("nt").name  # rdflib's and riot's short names are aliases
'ntriples'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

__all__ = [
    "ALIASES",
    "DEFAULT_FORMAT",
    "FORMATS",
    "FORMAT_NAMES",
    "RdfFormatInfo",
    "canonical_name",
    "format_for_path",
    "get_format",
]


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

#: Other names people type for the formats (rdflib's and Jena riot's short names, the file
#: extensions): every command that chooses a format accepts them.
ALIASES: dict[str, str] = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "nq": "nquads",
    "n-quads": "nquads",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf/xml": "rdfxml",
    "owl": "rdfxml",
}
#: Every name a format can be chosen by: the names, then the aliases.
FORMAT_NAMES: list[str] = sorted(FORMATS) + sorted(ALIASES)

_BY_EXTENSION = {f.extension: f for f in FORMATS.values()} | {
    "jsonld": FORMATS["jsonld"],
    "json": FORMATS["jsonld"],
    "xml": FORMATS["rdfxml"],
    "owl": FORMATS["rdfxml"],
}


def canonical_name(name: str) -> str | None:
    """A format's name from its name or an alias (any case), or None."""
    key = name.strip().lower()
    return key if key in FORMATS else ALIASES.get(key)


def get_format(name: str) -> RdfFormatInfo:
    """A format by name or alias.

    :raises KeyError: for a name that is neither.
    """
    canonical = canonical_name(name)
    if canonical is None:
        raise KeyError(name)
    return FORMATS[canonical]


def format_for_path(path: str | Path) -> RdfFormatInfo | None:
    """The format a file name implies by its extension, or None."""
    suffix = Path(path).suffix.lstrip(".").lower()
    return _BY_EXTENSION.get(suffix)
