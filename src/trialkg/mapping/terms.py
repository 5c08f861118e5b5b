"""The building blocks of the RDF mapping: vocabulary terms, typed literals, node IRIs, the emitter.

Shared by every part of :mod:`trialkg.mapping`: ``tkg()`` names a term of the ontology,
``controlled()`` a controlled individual (or the registry's text, when the value is unknown),
``date_literal()`` and ``age_in_years()`` type what records write as text, and ``_Emitter``
collects a study's triples with each node's type and label written once.
"""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode

from trialkg.iris import (
    ID,
    RDF,
    RDFS,
    SCHEMA,
    TKG,
    XSD,
    graph_iri,
    id_iri,
    slug,
)
from trialkg.model import DatePoint, Organization
from trialkg.model.enumerations import code, is_known

__all__ = [
    "CONTROLLED",
    "INTERVENTION_CLASSES",
    "OUTCOME_CLASSES",
    "STUDY_TYPE_CLASSES",
    "Term3",
    "age_in_years",
    "condition_iri",
    "controlled",
    "date_literal",
    "organization_iri",
    "text",
    "tkg",
]

_TYPE = NamedNode(RDF + "type")
_LABEL = NamedNode(RDFS + "label")
_ENTITIES = NamedNode(graph_iri("entities"))  # store.ENTITIES_GRAPH
_XSD_STRING = NamedNode(XSD + "string")
_XSD_INTEGER = NamedNode(XSD + "integer")
_XSD_DECIMAL = NamedNode(XSD + "decimal")
_XSD_BOOLEAN = NamedNode(XSD + "boolean")
_XSD_DATE = NamedNode(XSD + "date")
_XSD_GYEARMONTH = NamedNode(XSD + "gYearMonth")
_XSD_GYEAR = NamedNode(XSD + "gYear")
_XSD_DATETIME = NamedNode(XSD + "dateTime")
_XSD_DURATION = NamedNode(XSD + "duration")
_LATITUDE = NamedNode(SCHEMA + "latitude")
_LONGITUDE = NamedNode(SCHEMA + "longitude")

#: Enumerations whose codes become controlled individuals ``tkg:{prefix}_{CODE}``:
#: model attribute -> (property local name, individual prefix, class local name).
CONTROLLED: dict[str, tuple[str, str, str]] = {
    "overall_status": ("overallStatus", "status", "OverallStatus"),
    "last_known_status": ("lastKnownStatus", "status", "OverallStatus"),
    "study_type": ("studyType", "studyType", "StudyType"),
    "allocation": ("allocation", "allocation", "Allocation"),
    "intervention_model": ("interventionModel", "interventionModel", "InterventionModel"),
    "masking": ("masking", "masking", "Masking"),
    "primary_purpose": ("primaryPurpose", "purpose", "PrimaryPurpose"),
}

STUDY_TYPE_CLASSES = {
    "INTERVENTIONAL": "InterventionalTrial",
    "OBSERVATIONAL": "ObservationalStudy",
    "EXPANDED_ACCESS": "ExpandedAccessStudy",
}

INTERVENTION_CLASSES = {
    "DRUG": "DrugIntervention",
    "BIOLOGICAL": "BiologicalIntervention",
    "PROCEDURE": "ProcedureIntervention",
    "DEVICE": "DeviceIntervention",
    "RADIATION": "RadiationIntervention",
    "BEHAVIORAL": "BehavioralIntervention",
    "GENETIC": "GeneticIntervention",
    "DIETARY_SUPPLEMENT": "DietarySupplementIntervention",
    "COMBINATION_PRODUCT": "CombinationProductIntervention",
    "DIAGNOSTIC_TEST": "DiagnosticTestIntervention",
    "OTHER": "OtherIntervention",
}

OUTCOME_CLASSES = {"primary": "PrimaryOutcome", "secondary": "SecondaryOutcome",
                   "other": "OtherOutcome"}

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+").fullmatch


def _node(*parts: str | int) -> NamedNode:
    """``NamedNode(id_iri(*parts))``, skipping percent-encoding for segments that need none."""
    segments = [str(p) for p in parts]
    if all(_SAFE_SEGMENT(x) for x in segments):
        return NamedNode(ID + "/".join(segments))
    return NamedNode(id_iri(*parts))


_TKG_TERMS: dict[str, NamedNode] = {}


def tkg(local: str) -> NamedNode:
    """A term of the trialkg ontology (cached: predicates and classes recur in every study)."""
    node = _TKG_TERMS.get(local)
    if node is None:
        node = _TKG_TERMS[local] = NamedNode(TKG + local)
    return node


_CONTROLLED_TERMS: dict[tuple[str, str], NamedNode] = {}  # bounded: known codes only


def controlled(prefix: str, value: str) -> NamedNode | Literal:
    """The controlled individual for a code, e.g. ``controlled("phase", "PHASE2")``; a value
    outside the enumeration stays text (never an invented IRI).

    >>> controlled("phase", "PHASE2").value, type(controlled("phase", "PHASE5")).__name__
    ('https://w3id.org/trialkg/vocab#phase_PHASE2', 'Literal')
    """
    node = _CONTROLLED_TERMS.get((prefix, value))
    if node is None:
        if not is_known(prefix, code(value)):
            return Literal(value)
        node = _CONTROLLED_TERMS[(prefix, value)] = tkg(f"{prefix}_{code(value)}")
    return node


def text(value: str) -> Literal:
    return Literal(value)


def date_literal(value: str) -> Literal:
    """A registry date with its precision in the datatype.

    >>> date_literal("2004-01").datatype.value.rsplit("#")[1]
    'gYearMonth'
    >>> date_literal("2004-01-15").datatype.value.rsplit("#")[1]
    'date'
    """
    v = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return Literal(v, datatype=_XSD_DATE)
    if re.fullmatch(r"\d{4}-\d{2}", v):
        return Literal(v, datatype=_XSD_GYEARMONTH)
    if re.fullmatch(r"\d{4}", v):
        return Literal(v, datatype=_XSD_GYEAR)
    return Literal(v)


_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25,
              "hour": 1 / 8766, "minute": 1 / 525960}
_AGE_DURATION = {"year": "P{n}Y", "month": "P{n}M", "week": "P{w}D", "day": "P{n}D",
                 "hour": "PT{n}H", "minute": "PT{n}M"}


def age_in_years(value: str) -> tuple[str, float] | None:
    """An eligibility age as an xsd:duration and in years; None for ``N/A`` and the like.

    >>> age_in_years("18 Years")
    ('P18Y', 18.0)
    >>> age_in_years("6 Months")
    ('P6M', 0.5)
    """
    m = _AGE_RE.match(value)
    if not m:
        return None
    number, unit = m.group(1), m.group(2).lower()
    n = float(number)
    n_text = number if "." not in number else str(n)
    w = str(int(n * 7)) if n.is_integer() else str(n * 7)
    duration = _AGE_DURATION[unit].format(n=n_text, w=w)
    return duration, round(n * _AGE_YEARS[unit], 4)


def organization_iri(name: str) -> str:
    """Organisations are keyed by normalised name, shared across studies."""
    return id_iri("org", slug(name))


def condition_iri(name: str) -> str:
    """Conditions (as the record words them) are keyed by normalised name."""
    return id_iri("condition", slug(name))


Term3 = tuple[NamedNode, NamedNode, NamedNode | Literal]


class _Emitter:
    """Collects the triples of one named graph, and the shared-entity triples it implies.

    Triples are tuples of terms: building a ``Quad`` costs more than the rest of the mapping
    of its triple, and a worker process writes N-Quads text without any (:func:`study_text`).
    """

    __slots__ = ("graph", "shared", "triples")

    def __init__(self, graph: NamedNode) -> None:
        self.graph = graph
        self.triples: list[Term3] = []
        self.shared: list[Term3] = []  # into the entities graph (organisations, conditions)

    def entity(self, node: NamedNode, cls: str, label: str) -> None:
        """Type and label of a node many studies share, written once to the entities graph."""
        self.shared.append((node, _TYPE, tkg(cls)))
        self.shared.append((node, _LABEL, text(label)))

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.triples.append((s, p, o))

    def lit(self, s: NamedNode, local: str, value: str | None) -> None:
        if value:
            self.triples.append((s, tkg(local), Literal(value)))

    def typed(self, s: NamedNode, local: str, value: object, datatype: NamedNode) -> None:
        if value is not None:
            self.triples.append((s, tkg(local), Literal(str(value), datatype=datatype)))

    def flag(self, s: NamedNode, local: str, value: bool | None) -> None:
        if value is not None:
            self.add(s, tkg(local), Literal("true" if value else "false", datatype=_XSD_BOOLEAN))

    def date(self, s: NamedNode, local: str, value: DatePoint | None) -> None:
        if value is None:
            return
        self.add(s, tkg(local), date_literal(value.value))
        if value.kind:
            kind = "ESTIMATED" if value.kind.upper() == "ANTICIPATED" else value.kind
            self.add(s, tkg(local + "Type"), controlled("actuality", kind))

    def org(self, s: NamedNode, local: str, org: Organization | None) -> None:
        if org is None:
            return
        node = NamedNode(organization_iri(org.name))
        self.add(s, tkg(local), node)
        self.entity(node, "Organization", org.name)
        if org.org_class:
            self.shared.append((node, tkg("organizationClass"), Literal(code(org.org_class))))


#: Receives a study's trial node and its own graph's content triples as they are mapped
#: (the summary counts what the trial contributes from them).
