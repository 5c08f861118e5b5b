"""Namespaces and the rules that mint IRIs.

Every IRI trialkg writes is deterministic (the same record gives the same IRIs) and flat (no
blank nodes), so re-ingesting a record replaces its triples instead of duplicating them.

>>> trial_iri("NCT00122473")
'https://identifiers.org/clinicaltrials:NCT00122473'
>>> normalise_mesh_id("D000003520")
'D003520'
>>> normalise_mesh_id("D000068877")
'D000068877'
>>> slug("Yonsei University ")
'yonsei-university'
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from trialkg.exceptions import MeshError, shown

__all__ = [
    "BASE",
    "CTGOV_STUDY",
    "DCTERMS",
    "GRAPH",
    "ID",
    "MESH",
    "MESHV",
    "NCT_RE",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "STUDY_GRAPH_PREFIX",
    "TKG",
    "TRIAL",
    "XSD",
    "graph_iri",
    "id_iri",
    "in_default_graph",
    "is_nct_id",
    "mesh_iri",
    "normalise_mesh_id",
    "slug",
    "study_graph_iri",
    "trial_iri",
]

BASE = "https://w3id.org/trialkg/"
TKG = BASE + "vocab#"  # classes, properties and controlled individuals (ontology/trialkg.ttl)
ID = BASE + "id/"  # instances: arms, outcomes, sites, organisations, conditions ...
GRAPH = BASE + "graph/"  # named graphs
TRIAL = "https://identifiers.org/clinicaltrials:"  # identifiers.org form for NCT ids
CTGOV_STUDY = "https://clinicaltrials.gov/study/"
MESH = "http://id.nlm.nih.gov/mesh/"
MESHV = "http://id.nlm.nih.gov/mesh/vocab#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"

#: Prefixes bound in every export and available to every stored query.
PREFIXES: dict[str, str] = {
    "tkg": TKG,
    "tkgid": ID,
    "ctid": TRIAL,
    "mesh": MESH,
    "meshv": MESHV,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "schema": SCHEMA,
    "prov": PROV,
    "dcterms": DCTERMS,
}

NCT_RE = re.compile(r"^NCT\d{8}$")
_MESH_RE = re.compile(r"^([A-Z])0*(\d+)$")


def is_nct_id(value: str) -> bool:
    """True for a well-formed ClinicalTrials.gov id (``NCT`` and eight digits)."""
    return bool(NCT_RE.match(value))


def slug(text: str) -> str:
    """A lower-case ASCII slug: the deterministic key for names (organisations, conditions).

    >>> slug("Hôpital Édouard-Herriot, Lyon")
    'hopital-edouard-herriot-lyon'
    >>> slug("\\t<>\\"")
    '_'
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return out[:120].rstrip("-") or "_"


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+").fullmatch


def _segment(value: str) -> str:
    """Percent-encode one path segment so no text can break an IRI.

    Text of unreserved characters only (most ids and counters) is its own encoding: it skips
    ``quote``, a fifth of the mapping's time otherwise.
    """
    if _UNRESERVED(value):
        return value
    return quote(value, safe="-._~") or "_"


def trial_iri(trial_id: str) -> str:
    """IRI of a trial: identifiers.org for NCT ids, our namespace for other registry ids.

    >>> trial_iri("EORTC-62027")
    'https://w3id.org/trialkg/id/trial/EORTC-62027'
    """
    if is_nct_id(trial_id):
        return TRIAL + trial_id
    return ID + "trial/" + _segment(trial_id)


def id_iri(*parts: str | int) -> str:
    """IRI under our instance namespace, one percent-encoded segment per part.

    >>> id_iri("NCT00122473", "arm", 1)
    'https://w3id.org/trialkg/id/NCT00122473/arm/1'
    >>> id_iri("x", "a b\\t<c>")
    'https://w3id.org/trialkg/id/x/a%20b%09%3Cc%3E'
    """
    return ID + "/".join([_segment(str(p)) for p in parts])


def graph_iri(*parts: str) -> str:
    """IRI of a named graph (``ontology``, ``mesh``, ``study/NCT…``)."""
    return GRAPH + "/".join(_segment(p) for p in parts)


def study_graph_iri(trial_id: str) -> str:
    """The graph name of one study's registry record (replaced whole on re-ingest).

    Exports, ``trialkg graphs`` and pushes name a study's triples by this IRI; the store
    keeps them in its default graph (see :func:`in_default_graph`).
    """
    return graph_iri("study", trial_id)


#: Graph names that the store keeps in its default graph (:func:`in_default_graph`).
STUDY_GRAPH_PREFIX = GRAPH + "study/"


def in_default_graph(graph: str) -> bool:
    """Whether the store keeps this record's triples in its default graph.

    A study's registry record (``graph/study/NCT…``, the bulk of any store) is stored in the
    default graph: Oxigraph keeps a default-graph triple in three indexes and a named-graph
    quad in six, so this halves the store and its write. Its triples are still one record:
    the record node ``graph/study/NCT…`` (its provenance) and the trial, and every node the
    record mints below ``id/NCT…/``, reached from the trial, are owned by it alone, so the
    store finds, replaces and exports them as one graph. Other records (curated additions,
    published evidence) and the shared graphs (ontology, MeSH, entities, summary) keep their
    own named graphs.

    >>> in_default_graph(study_graph_iri("NCT00122473")), in_default_graph(graph_iri("mesh"))
    (True, False)
    """
    return graph.startswith(STUDY_GRAPH_PREFIX)


def normalise_mesh_id(value: str) -> str:
    """Normalise a MeSH UI: strip the zero padding ClinicalTrials.gov adds.

    NLM's descriptor UIs are ``D`` + 6 digits (``D003520``) or, since 2014-ish, ``D`` + 9
    digits (``D000068877``); ClinicalTrials.gov pads old ones to 10 characters
    (``D000003520``). Supplementary records (``C``) follow the same rule.

    >>> normalise_mesh_id(" d000003520 ")
    'D003520'
    >>> normalise_mesh_id("C000009022")
    'C009022'
    >>> normalise_mesh_id("http://id.nlm.nih.gov/mesh/D018223")
    'D018223'
    >>> normalise_mesh_id("X12")
    Traceback (most recent call last):
    ...
    trialkg.exceptions.MeshError: not a MeSH id: 'X12'

    :raises MeshError: when the value is not a MeSH descriptor or supplementary id.
    """
    text = value.strip()
    if text.startswith(MESH):
        text = text[len(MESH) :]
    text = text.upper()
    m = _MESH_RE.match(text)
    if not m or m.group(1) not in "DCMQT":
        raise MeshError(f"not a MeSH id: {shown(value)}")
    letter, digits = m.groups()
    number = int(digits)
    # NLM moved to 9-digit UIs (D000066388, C000588423 ...) once the 6-digit space ran out;
    # older records keep 6 digits. MeSH 2025: the last short ones are D066331 and C588418.
    long_from = _LONG_UI_FROM.get(letter)
    if long_from is not None and number >= long_from:
        return f"{letter}{number:09d}"
    return f"{letter}{number:06d}"


#: The first number that NLM writes with 9 digits, per record letter.
_LONG_UI_FROM = {"D": 66_350, "C": 588_420}


def mesh_iri(ui: str) -> str:
    """The NLM IRI of a MeSH record, from any accepted spelling of its UI."""
    return MESH + normalise_mesh_id(ui)
