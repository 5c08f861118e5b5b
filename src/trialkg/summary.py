"""Counts over every study, kept in the store's ``summary`` graph at each write.

Whole-graph aggregations (trials per phase and status, enrollment per phase, sites per
country, drug and condition pairs, sponsor and collaborator pairs) read every trial, so their
cost grows with the store: seconds at 100k studies. The writer computes them once, at the
end of each ``ingest``, ``remove`` or ``build`` that changed the studies, and keeps them as W3C
Data Cube observations (``qb:Observation``) in ``…/graph/summary``; the stored queries tagged
``summary`` read these few hundred triples instead of the studies.

The summary is swapped in one atomic update. A write first marks it stale
(``tkg:summaryStale true``) and the refresh clears the mark, so after a write that was cut off
(``kill -9``, a crash) readers can tell that the counts predate the studies: ``trialkg query
run`` says so on stderr, and the next ``trialkg ingest`` recomputes them.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from trialkg.iris import RDF, RDFS, TKG, graph_iri, id_iri
from trialkg.store import TrialStore

__all__ = [
    "QB",
    "SUMMARY_GRAPH",
    "SummaryState",
    "clear_stale",
    "mark_stale",
    "refresh_summary",
    "summary_quads",
    "summary_state",
]

SUMMARY_GRAPH = graph_iri("summary")
QB = "http://purl.org/linked-data/cube#"

_G = ox.NamedNode(SUMMARY_GRAPH)
_STALE = ox.NamedNode(TKG + "summaryStale")
_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_PREFIX = f"PREFIX tkg: <{TKG}>\nPREFIX rdfs: <{RDFS}>\n"

# Each query reads the studies (the union of the named graphs) the way the stored query it
# replaces did; the subqueries read whole predicates once and hash-join them (see
# benchmarks/queries-10k.md for why this shape suits Oxigraph).

_PHASE_STATUS = _PREFIX + """
SELECT ?phase ?status (COUNT(?trial) AS ?trials) (COUNT(?n) AS ?enrolled)
       (SUM(?n) AS ?total) (MIN(?n) AS ?smallest) (MAX(?n) AS ?largest) WHERE {
  {
    SELECT ?trial (MIN(?code) AS ?lo) (MAX(?code) AS ?hi) WHERE {
      ?trial a tkg:ClinicalTrial .
      OPTIONAL {
        SELECT ?trial ?code WHERE {
          ?trial tkg:phase ?p .
          BIND(STRAFTER(STR(?p), "#phase_") AS ?code)
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

_COUNTRIES = _PREFIX + """
SELECT ?country (COUNT(DISTINCT ?site) AS ?sites) (COUNT(DISTINCT ?t) AS ?trials) WHERE {
  ?t tkg:site ?site .
  { SELECT ?site ?country WHERE { ?site tkg:country ?country } }
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

_COLLABORATIONS = _PREFIX + """
SELECT ?lead ?collaborator (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  { SELECT ?trial ?leadOrg WHERE { ?trial tkg:leadSponsor ?leadOrg } }
  { SELECT ?trial ?collaboratorOrg WHERE { ?trial tkg:collaborator ?collaboratorOrg } }
  ?leadOrg rdfs:label ?lead .
  ?collaboratorOrg rdfs:label ?collaborator .
}
GROUP BY ?lead ?collaborator
"""

#: dataset name → (query, observation class, key columns, {column: property})
_DATASETS: dict[str, tuple[str, str, tuple[str, ...], dict[str, str]]] = {
    "phase-status": (_PHASE_STATUS, "PhaseStatusCount", ("phase", "status"), {
        "phase": "phaseGroup", "status": "statusGroup", "trials": "trialCount",
        "enrolled": "enrolledTrialCount", "total": "enrollmentTotal",
        "smallest": "enrollmentSmallest", "largest": "enrollmentLargest"}),
    "country": (_COUNTRIES, "CountrySiteCount", ("country",), {
        "country": "countryGroup", "sites": "siteCount", "trials": "trialCount"}),
    "drug-condition": (_DRUG_CONDITION, "DrugConditionCount", ("drug", "condition"), {
        "drug": "drugGroup", "condition": "conditionGroup", "trials": "trialCount",
        "drugLabel": "drugGroupLabel", "conditionLabel": "conditionGroupLabel"}),
    "collaboration": (_COLLABORATIONS, "CollaborationCount", ("lead", "collaborator"), {
        "lead": "leadGroup", "collaborator": "collaboratorGroup", "trials": "trialCount"}),
}


class SummaryState:
    """Whether a store's summary can be trusted: ``FRESH``, ``STALE`` or ``MISSING``."""

    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"


def _key_text(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value.rsplit("/", 1)[-1].rsplit("#status_", 1)[-1]
    return str(term.value) if isinstance(term, ox.Literal) else str(term)


def summary_quads(store: TrialStore) -> list[ox.Quad]:
    """The summary of the studies now in ``store`` (fresh: without the stale mark)."""
    quads: list[ox.Quad] = [
        ox.Quad(_G, _TYPE, ox.NamedNode(TKG + "SummaryGraph"), _G),
        ox.Quad(_G, _LABEL,
                ox.Literal("Counts over the studies in this store, kept by trialkg at every "
                           "write"), _G),
    ]
    for name, (query, cls, keys, props) in _DATASETS.items():
        dataset = ox.NamedNode(id_iri("summary", name))
        quads += [ox.Quad(dataset, _TYPE, ox.NamedNode(QB + "DataSet"), _G),
                  ox.Quad(dataset, ox.NamedNode(RDFS + "label"),
                          ox.Literal(f"trialkg summary: {name}"), _G)]
        rows = store.store.query(query, use_default_graph_as_union=True)
        assert isinstance(rows, ox.QuerySolutions)
        names = [v.value for v in rows.variables]
        for row in rows:
            values = dict(zip(names, row, strict=True))
            if any(values.get(k) is None for k in keys):
                continue
            key = [_key_text(values[k]) for k in keys]
            if name == "collaboration":  # two organisation names: a digest keeps it short
                key = [hashlib.sha256("\t".join(key).encode()).hexdigest()[:20]]
            node = ox.NamedNode(id_iri("summary", name, *key))
            quads += [ox.Quad(node, _TYPE, ox.NamedNode(QB + "Observation"), _G),
                      ox.Quad(node, _TYPE, ox.NamedNode(TKG + cls), _G),
                      ox.Quad(node, ox.NamedNode(QB + "dataSet"), dataset, _G)]
            for column, prop in props.items():
                value = values.get(column)
                if value is None or (column in ("total", "smallest", "largest")
                                     and values["enrolled"] == _ZERO):
                    continue
                quads.append(ox.Quad(node, ox.NamedNode(TKG + prop), value, _G))
    return quads


_ZERO = ox.Literal("0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def refresh_summary(store: TrialStore) -> int:
    """Recompute the summary and swap it in (one atomic update); returns its triples."""
    return store.replace_graph(SUMMARY_GRAPH, summary_quads(store))


def summary_state(store: TrialStore) -> str:
    """:class:`SummaryState` of a store (a reader's view)."""
    if any(store.store.quads_for_pattern(_G, _STALE, None, _G)):
        return SummaryState.STALE
    if any(store.store.quads_for_pattern(_G, _LABEL, None, _G)):
        return SummaryState.FRESH
    return SummaryState.MISSING


def mark_stale(store: TrialStore) -> str:
    """Mark the summary stale before a write; returns its state before the mark.

    The mark is cleared by :func:`refresh_summary`, or by :func:`clear_stale` when the write
    changed no study. A write that is cut off leaves it, even on a store that had no summary
    yet (its first ingest).
    """
    state = summary_state(store)
    if state != SummaryState.STALE:
        store.store.add(ox.Quad(_G, _STALE, _TRUE, _G))
    return state


def clear_stale(store: TrialStore, before: str) -> None:
    """Put the summary back as it was ``before`` a write that changed no study."""
    if before == SummaryState.FRESH:
        store.store.remove(ox.Quad(_G, _STALE, _TRUE, _G))
    elif before == SummaryState.MISSING:
        store.store.remove_graph(_G)
