"""The kinds of summary counts: what each counts, and the SPARQL that counts it over every study."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from trialkg.iris import RDF, RDFS, TKG, XSD
from trialkg.store.core import SUMMARY_GRAPH

__all__ = [
    "QB",
    "Counts",
    "SummaryState",
]

QB = "http://purl.org/linked-data/cube#"

_G = ox.NamedNode(SUMMARY_GRAPH)
_STALE = ox.NamedNode(TKG + "summaryStale")
_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
_INTEGER = ox.NamedNode(XSD + "integer")
#: The form of the observations; counts in another form (an older trialkg's) are recounted.
FORMAT = 2
_FORMAT = ox.NamedNode(TKG + "summaryFormat")
_FORMAT_NOW = ox.Literal(str(FORMAT), datatype=_INTEGER)
_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_PREFIX = f"PREFIX tkg: <{TKG}>\nPREFIX rdfs: <{RDFS}>\n"

#: One kind of count → group key (its dimensions' values, as text) → column → value.
Counts = dict[str, dict[tuple[str, ...], dict[str, int | str | None]]]
Row = dict[str, int | str | None]

# --- the full recount: one query per kind, over every study ------------------------------
# Each reads the studies (the union of the named graphs; a triple in two graphs counts
# twice, as Oxigraph's union does); the subqueries read whole predicates once and hash-join
# them (see benchmarks/queries-10k.md for why this shape suits Oxigraph). :func:`contribution`
# computes the same counts for one trial, and the tests hold the two equal.

_PHASE_STATUS = _PREFIX + """
SELECT ?phase ?status (COUNT(?trial) AS ?trials) (COUNT(?n) AS ?enrolled)
       (SUM(?n) AS ?total) (MIN(?n) AS ?smallest) (MAX(?n) AS ?largest) WHERE {
  {
    SELECT ?trial (MIN(?code) AS ?lo) (MAX(?code) AS ?hi) WHERE {
      ?trial a tkg:ClinicalTrial .
      OPTIONAL {
        SELECT ?trial ?code WHERE {
          ?trial tkg:phase ?p .
          BIND(IF(isIRI(?p), STRAFTER(STR(?p), "#phase_"), STR(?p)) AS ?code)
        }
      }
    } GROUP BY ?trial
  }
  BIND(COALESCE(IF(?lo = ?hi, ?lo, CONCAT(?lo, "/", ?hi)), "NONE") AS ?phase)
  { SELECT ?trial ?status WHERE { ?trial tkg:overallStatus ?status } }
  OPTIONAL { SELECT ?trial ?n WHERE { ?trial tkg:enrollment ?n } }
}
GROUP BY ?phase ?status
"""

# Sites per country, one country at a time (bound by substitution): one query over every
# site hash-joins millions of them (2.8 GiB at 100k studies); a country at a time holds one
# country's sites (0.4 GiB at 100k), for three times the time.
_COUNTRY_NAMES = _PREFIX + "SELECT DISTINCT ?country WHERE { ?site tkg:country ?country }"
_COUNTRIES = _PREFIX + """
SELECT ?country (COUNT(DISTINCT ?site) AS ?sites) (COUNT(DISTINCT ?t) AS ?trials) WHERE {
  ?site tkg:country ?country .
  ?t tkg:site ?site .
}
GROUP BY ?country
"""

_DRUG_CONDITION = _PREFIX + """
SELECT ?drug ?condition (COUNT(DISTINCT ?trial) AS ?trials)
       (MIN(?dr) AS ?drugLabel) (MIN(?cr) AS ?conditionLabel) WHERE {
  ?trial tkg:interventionMesh ?drug ;
         tkg:conditionMesh ?condition .
  OPTIONAL {
    SELECT ?trial ?drug ?dr WHERE {
      { SELECT ?trial ?link WHERE { ?trial tkg:meshLink ?link } }
      { SELECT ?link ?drug WHERE { ?link tkg:mesh ?drug } }
      { SELECT ?link ?dr WHERE { ?link tkg:meshLabel ?dr } }
    }
  }
  OPTIONAL {
    SELECT ?trial ?condition ?cr WHERE {
      { SELECT ?trial ?link WHERE { ?trial tkg:meshLink ?link } }
      { SELECT ?link ?condition WHERE { ?link tkg:mesh ?condition } }
      { SELECT ?link ?cr WHERE { ?link tkg:meshLabel ?cr } }
    }
  }
}
GROUP BY ?drug ?condition
"""

# The same pairs for some groups only (VALUES first: Oxigraph starts from them), to recount
# the registry label of a pair whose trial with the smallest label was removed.
_DRUG_CONDITION_GROUPS = _PREFIX + """
SELECT ?drug ?condition (COUNT(DISTINCT ?trial) AS ?trials)
       (MIN(?dr) AS ?drugLabel) (MIN(?cr) AS ?conditionLabel) WHERE {
  VALUES (?drug ?condition) { %s }
  ?trial tkg:interventionMesh ?drug ;
         tkg:conditionMesh ?condition .
  OPTIONAL { ?trial tkg:meshLink ?dl . ?dl tkg:mesh ?drug ; tkg:meshLabel ?dr }
  OPTIONAL { ?trial tkg:meshLink ?cl . ?cl tkg:mesh ?condition ; tkg:meshLabel ?cr }
}
GROUP BY ?drug ?condition
"""

_COLLABORATIONS = _PREFIX + """
SELECT ?lead ?collaborator (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  { SELECT ?trial ?lead WHERE { ?trial tkg:leadSponsor ?lead } }
  { SELECT ?trial ?collaborator WHERE { ?trial tkg:collaborator ?collaborator } }
}
GROUP BY ?lead ?collaborator
"""


@dataclass(frozen=True)
class _Kind:
    """One kind of count: its observations' class, dimensions and measures."""

    name: str
    cls: str
    query: str
    #: dimension columns, each with whether its value is an IRI (else a plain literal)
    keys: tuple[tuple[str, bool], ...]
    sums: tuple[str, ...]
    mins: tuple[str, ...] = ()
    maxs: tuple[str, ...] = ()
    props: dict[str, str] = field(default_factory=dict)
    #: lists the values of the first dimension: the recount runs once for each
    each: str | None = None


_KINDS: tuple[_Kind, ...] = (
    _Kind("phase-status", "PhaseStatusCount", _PHASE_STATUS,
          (("phase", False), ("status", True)), ("trials", "enrolled", "total"),
          ("smallest",), ("largest",),
          {"phase": "phaseGroup", "status": "statusGroup", "trials": "trialCount",
           "enrolled": "enrolledTrialCount", "total": "enrollmentTotal",
           "smallest": "enrollmentSmallest", "largest": "enrollmentLargest"}),
    _Kind("country", "CountrySiteCount", _COUNTRIES, (("country", False),),
          ("sites", "trials"),
          props={"country": "countryGroup", "sites": "siteCount", "trials": "trialCount"},
          each=_COUNTRY_NAMES),
    _Kind("drug-condition", "DrugConditionCount", _DRUG_CONDITION,
          (("drug", True), ("condition", True)), ("trials",),
          ("drugLabel", "conditionLabel"),
          props={"drug": "drugGroup", "condition": "conditionGroup", "trials": "trialCount",
                 "drugLabel": "drugGroupLabel", "conditionLabel": "conditionGroupLabel"}),
    _Kind("collaboration", "CollaborationCount", _COLLABORATIONS,
          (("lead", True), ("collaborator", True)), ("trials",),
          props={"lead": "leadGroup", "collaborator": "collaboratorGroup",
                 "trials": "trialCount"}),
)
_BY_NAME = {k.name: k for k in _KINDS}


class SummaryState:
    """Whether a store's summary can be trusted: ``FRESH``, ``STALE`` or ``MISSING``."""

    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"
