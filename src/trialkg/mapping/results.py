"""Results and evidence → RDF quads (the terms are in ``ontology/results.ttl``).

Every node has an IRI under its study (``…/id/NCT…/result/outcome/3/measurement/7``) or its
evidence record (``…/id/evidence/{key}/outcome/1``), never a blank node, so re-ingesting a
record replaces its results instead of duplicating them. Values keep their exact text in
``tkg:value``; a typed ``tkg:numericValue`` is added only when that text is a plain decimal,
and ``tkg:count`` / ``tkg:percentage`` / ``tkg:denominator`` only when they are numbers.

>>> is_decimal("55.2"), is_decimal("<0.001"), is_decimal("NA")
(True, False, False)
>>> value_kind("COUNT_OF_PARTICIPANTS", "Participants"), value_kind("NUMBER", "%")
('count', 'percentage')
"""

from __future__ import annotations

import re
from typing import Protocol

from pyoxigraph import Literal, NamedNode, Quad

from trialkg.iris import (
    DCTERMS,
    PROV,
    RDF,
    RDFS,
    XSD,
    graph_iri,
    id_iri,
    mesh_iri,
)
from trialkg.mapping.digest import ingest_time, record_digest
from trialkg.mapping.terms import tkg
from trialkg.model import Study
from trialkg.model.results import (
    AdverseEvents,
    Analysis,
    Baseline,
    Evidence,
    Measurement,
    OutcomeResult,
    ParticipantFlow,
    ResultGroup,
    SourceRef,
    StudyResults,
)

__all__ = [
    "EVIDENCE_CLASSES",
    "QuadSink",
    "emit_results",
    "evidence_graph_iri",
    "evidence_iri",
    "evidence_quads",
    "is_decimal",
    "value_kind",
]

_TYPE = NamedNode(RDF + "type")
_LABEL = NamedNode(RDFS + "label")
_SEE_ALSO = NamedNode(RDFS + "seeAlso")
_DERIVED = NamedNode(PROV + "wasDerivedFrom")
_CITATION = NamedNode(DCTERMS + "bibliographicCitation")
_TITLE = NamedNode(DCTERMS + "title")
_INTEGER = NamedNode(XSD + "integer")
_DECIMAL = NamedNode(XSD + "decimal")
_BOOLEAN = NamedNode(XSD + "boolean")
_DATE = NamedNode(XSD + "date")
_DATETIME = NamedNode(XSD + "dateTime")

#: Evidence kinds -> the subclass of tkg:Evidence they are typed with as well.
EVIDENCE_CLASSES = {
    "systematic-review": "SystematicReview",
    "meta-analysis": "MetaAnalysis",
    "lay-summary": "LaySummary",
}

_DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER_RE = re.compile(r"[+-]?\d+")
_PERCENT_UNIT_RE = re.compile(
    r"(?:%|percent|percentage)(?: of (?:participants|subjects|patients|people|persons)\b.*)?"
)
_PARTICIPANT_UNITS = {"participants", "subjects", "patients", "people", "persons",
                      "number of participants", "number of subjects", "number of patients"}
_SPACE_RE = re.compile(r"\s+")


def is_decimal(text: str | None) -> bool:
    """True when ``text`` is a plain decimal number (no ``<``, no footnote, no ``NA``)."""
    return text is not None and _DECIMAL_RE.fullmatch(text) is not None


def _code(value: str | None) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", (value or "").upper()).strip("_")


def value_kind(param_type: str | None, unit: str | None) -> str | None:
    """``count`` for counts of participants, ``percentage`` for percentages of them, else None.

    Percent units that are not shares of participants (``% Fat mass``, ``percent change``)
    give None: they can be negative or exceed 100.
    """
    param = _code(param_type)
    unit_text = _SPACE_RE.sub(" ", (unit or "").strip().casefold())
    if param == "PERCENTAGE" or (
        param in ("", "NUMBER") and _PERCENT_UNIT_RE.fullmatch(unit_text)
    ):
        return "percentage"
    if param in ("COUNT_OF_PARTICIPANTS", "COUNT_OF_UNITS") or (
        param in ("", "NUMBER") and unit_text in _PARTICIPANT_UNITS
    ):
        return "count"
    return None


def _norm(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip().casefold()


Term3 = tuple[NamedNode, NamedNode, NamedNode | Literal]


class _Out:
    """Triples of one named graph (results may be emitted into a study's graph or their own)."""

    __slots__ = ("graph", "triples")

    def __init__(self, graph: NamedNode, triples: list[Term3]) -> None:
        self.graph = graph
        self.triples = triples

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.triples.append((s, p, o))

    def lit(self, s: NamedNode, local: str, value: str | None) -> None:
        if value:
            self.add(s, tkg(local), Literal(value))

    def number(self, s: NamedNode, local: str, value: str | int | None) -> None:
        """An integer when the text is one, the text itself otherwise (never dropped)."""
        if value is None or value == "":
            return
        text = str(value).strip()
        if _INTEGER_RE.fullmatch(text):
            self.add(s, tkg(local), Literal(str(int(text)), datatype=_INTEGER))
        else:
            self.add(s, tkg(local), Literal(text))

    def node(self, iri: str, cls: str, label: str | None = None) -> NamedNode:
        n = NamedNode(iri)
        self.add(n, _TYPE, tkg(cls))
        if label:
            self.add(n, _LABEL, Literal(label))
        return n


# --- studies -------------------------------------------------------------------------------


class QuadSink(Protocol):
    """What :func:`emit_results` writes into: mapping.py's ``_Emitter`` of a study graph."""

    graph: NamedNode
    triples: list[Term3]


def emit_results(e: QuadSink, t: NamedNode, study: Study) -> None:
    """Add the quads of ``study.results`` to a study's emitter.

    The results go into the same named graph as the rest of the study, so they are replaced
    with it. A study without results (``None``) adds nothing.
    """
    results = study.results
    if not isinstance(results, StudyResults):
        return
    _study_results(_Out(e.graph, e.triples), t, study, results)


def _study_results(out: _Out, t: NamedNode, study: Study, results: StudyResults) -> None:
    tid = study.trial_id
    root = out.node(id_iri(tid, "result"), "StudyResults")
    out.add(t, tkg("results"), root)
    if results.source is not None:
        _source(out, root, results.source)

    protocol = _protocol_outcomes(study)
    arms = {_norm(arm.label): NamedNode(id_iri(tid, "arm", n))
            for n, arm in reversed(list(enumerate(study.arms, start=1)))}
    for n, outcome in enumerate(results.outcomes, start=1):
        base = (tid, "result", "outcome", n)
        node = _outcome_result(out, base, outcome, arms)
        out.add(t, tkg("outcomeResult"), node)
        out.add(root, tkg("outcomeResult"), node)
        if (target := protocol.get(_norm(outcome.title))) is not None:
            out.add(node, tkg("forOutcome"), target)
        if results.source is not None:
            _source(out, node, results.source)
    if results.flow is not None:
        _flow(out, root, t, tid, results.flow, arms)
    if results.baseline is not None:
        _baseline(out, root, t, tid, results.baseline, arms)
    if results.adverse_events is not None:
        _adverse_events(out, root, t, tid, results.adverse_events, arms)


def _protocol_outcomes(study: Study) -> dict[str, NamedNode]:
    """Protocol outcome nodes by normalised title (IRIs as mapping.py mints them)."""
    counters: dict[str, int] = {}
    found: dict[str, NamedNode] = {}
    for outcome in study.outcomes:
        counters[outcome.kind] = n = counters.get(outcome.kind, 0) + 1
        found.setdefault(_norm(outcome.measure),
                         NamedNode(id_iri(study.trial_id, "outcome", outcome.kind, n)))
    return found


def _groups(
    out: _Out,
    parent: NamedNode,
    base: tuple[str | int, ...],
    groups: list[ResultGroup],
    denominators: dict[str, str],
    arms: dict[str, NamedNode],
) -> dict[str, NamedNode]:
    nodes: dict[str, NamedNode] = {}
    for g in groups:
        node = out.node(id_iri(*base, "group", g.id), "ResultGroup", g.title)
        nodes[g.id] = node
        out.add(parent, tkg("hasGroup"), node)
        out.lit(node, "groupId", g.id)
        out.lit(node, "description", g.description)
        out.number(node, "participantsAnalysed", denominators.get(g.id))
        if (arm := arms.get(_norm(g.title))) is not None:
            out.add(node, tkg("matchesArm"), arm)
    return nodes


def _group_node(base: tuple[str | int, ...], groups: dict[str, NamedNode],
                gid: str) -> NamedNode:
    """A group's node; an id the section does not declare still gets a stable IRI."""
    return groups.get(gid) or NamedNode(id_iri(*base, "group", gid))


def _outcome_result(
    out: _Out, base: tuple[str | int, ...], outcome: OutcomeResult,
    arms: dict[str, NamedNode],
) -> NamedNode:
    node = out.node(id_iri(*base), "OutcomeResult", outcome.title)
    out.lit(node, "outcomeKind", outcome.kind)
    out.lit(node, "description", outcome.description)
    out.lit(node, "timeFrame", outcome.time_frame)
    out.lit(node, "population", outcome.population)
    out.lit(node, "paramType", outcome.param_type)
    out.lit(node, "dispersionType", outcome.dispersion_type)
    out.lit(node, "unit", outcome.unit)
    out.lit(node, "denominatorUnits", outcome.denominator_units)
    groups = _groups(out, node, base, outcome.groups, outcome.denominators, arms)
    for k, m in enumerate(outcome.measurements, start=1):
        mnode = _measurement(out, (*base, "measurement", k), m, outcome.param_type,
                             outcome.unit, base, groups)
        out.add(node, tkg("measurement"), mnode)
    for k, analysis in enumerate(outcome.analyses, start=1):
        anode = _analysis(out, (*base, "analysis", k), analysis, base, groups)
        out.add(node, tkg("analysis"), anode)
    return node


def _measurement(
    out: _Out,
    iri_parts: tuple[str | int, ...],
    m: Measurement,
    param_type: str | None,
    unit: str | None,
    group_base: tuple[str | int, ...],
    groups: dict[str, NamedNode],
) -> NamedNode:
    node = out.node(id_iri(*iri_parts), "Measurement")
    if m.group_id:
        out.add(node, tkg("group"), _group_node(group_base, groups, m.group_id))
    if m.value is not None:
        out.add(node, tkg("value"), Literal(m.value))  # xsd:string: the exact text
        if is_decimal(m.value):
            out.add(node, tkg("numericValue"), Literal(m.value.lstrip("+"), datatype=_DECIMAL))
    unit_text = m.unit or unit
    kind = value_kind(param_type, unit_text)
    if kind == "count" and m.value is not None and _INTEGER_RE.fullmatch(m.value):
        out.number(node, "count", m.value)
    elif kind == "percentage" and is_decimal(m.value) and m.value is not None:
        out.add(node, tkg("percentage"), Literal(m.value.lstrip("+"), datatype=_DECIMAL))
    out.number(node, "denominator", m.denominator)
    out.lit(node, "unit", unit_text)
    out.lit(node, "spread", m.spread)
    out.lit(node, "lowerLimit", m.lower)
    out.lit(node, "upperLimit", m.upper)
    out.lit(node, "comment", m.comment)
    out.lit(node, "classTitle", m.class_title)
    out.lit(node, "categoryTitle", m.category_title)
    return node


def _analysis(
    out: _Out, iri_parts: tuple[str | int, ...], a: Analysis,
    group_base: tuple[str | int, ...], groups: dict[str, NamedNode],
) -> NamedNode:
    node = out.node(id_iri(*iri_parts), "StatisticalAnalysis")
    for gid in a.group_ids:
        out.add(node, tkg("comparesGroup"), _group_node(group_base, groups, gid))
    out.lit(node, "nonInferiorityType", a.non_inferiority_type)
    out.lit(node, "pValue", a.p_value)
    if is_decimal(a.p_value) and a.p_value is not None:
        out.add(node, tkg("numericPValue"), Literal(a.p_value.lstrip("+"), datatype=_DECIMAL))
    out.lit(node, "statisticalMethod", a.method)
    out.lit(node, "paramType", a.param_type)
    out.lit(node, "paramValue", a.param_value)
    out.lit(node, "ciPercent", a.ci_pct)
    out.lit(node, "ciSides", a.ci_sides)
    out.lit(node, "ciLowerLimit", a.ci_lower)
    out.lit(node, "ciUpperLimit", a.ci_upper)
    out.lit(node, "description", a.description)
    out.lit(node, "estimateComment", a.estimate_comment)
    out.lit(node, "dispersionType", a.dispersion_type)
    out.lit(node, "dispersionValue", a.dispersion_value)
    out.lit(node, "pValueComment", a.p_value_comment)
    out.lit(node, "methodComment", a.method_comment)
    return node


def _flow(out: _Out, root: NamedNode, t: NamedNode, tid: str, flow: ParticipantFlow,
          arms: dict[str, NamedNode]) -> None:
    base = (tid, "result", "flow")
    node = out.node(id_iri(*base), "ParticipantFlow")
    out.add(root, tkg("participantFlow"), node)
    out.add(t, tkg("participantFlow"), node)
    out.lit(node, "recruitmentDetails", flow.recruitment_details)
    out.lit(node, "preAssignmentDetails", flow.pre_assignment_details)
    groups = _groups(out, node, base, flow.groups, {}, arms)
    for k, c in enumerate(flow.counts, start=1):
        cnode = out.node(id_iri(*base, "count", k), "FlowCount", c.label)
        out.add(node, tkg("flowCount"), cnode)
        out.add(cnode, tkg("group"), _group_node(base, groups, c.group_id))
        out.lit(cnode, "period", c.period)
        out.lit(cnode, "flowKind", c.kind)
        out.lit(cnode, "milestone" if c.kind == "milestone" else "reason", c.label)
        out.number(cnode, "participants", c.count)
        out.lit(cnode, "comment", c.comment)


def _baseline(out: _Out, root: NamedNode, t: NamedNode, tid: str, baseline: Baseline,
              arms: dict[str, NamedNode]) -> None:
    base = (tid, "result", "baseline")
    node = out.node(id_iri(*base), "Baseline")
    out.add(root, tkg("baseline"), node)
    out.add(t, tkg("baseline"), node)
    out.lit(node, "population", baseline.population)
    groups = _groups(out, node, base, baseline.groups, baseline.denominators, arms)
    for n, measure in enumerate(baseline.measures, start=1):
        mbase = (*base, "measure", n)
        mnode = out.node(id_iri(*mbase), "BaselineMeasure", measure.title)
        out.add(node, tkg("baselineMeasure"), mnode)
        out.lit(mnode, "paramType", measure.param_type)
        out.lit(mnode, "dispersionType", measure.dispersion_type)
        out.lit(mnode, "unit", measure.unit)
        out.lit(mnode, "description", measure.description)
        out.lit(mnode, "population", measure.population)
        for k, m in enumerate(measure.measurements, start=1):
            vnode = _measurement(out, (*mbase, "measurement", k), m, measure.param_type,
                                 measure.unit, base, groups)
            out.add(mnode, tkg("measurement"), vnode)


def _adverse_events(out: _Out, root: NamedNode, t: NamedNode, tid: str, ae: AdverseEvents,
                    arms: dict[str, NamedNode]) -> None:
    base = (tid, "result", "ae")
    node = out.node(id_iri(*base), "AdverseEventReport")
    out.add(root, tkg("adverseEventReport"), node)
    out.add(t, tkg("adverseEventReport"), node)
    out.lit(node, "timeFrame", ae.time_frame)
    out.lit(node, "description", ae.description)
    out.lit(node, "frequencyThreshold", ae.frequency_threshold)
    groups = _groups(out, node, base, ae.groups, {}, arms)
    for category, totals in (("serious", ae.serious_totals), ("other", ae.other_totals),
                             ("deaths", ae.deaths)):
        for c in totals:
            cnode = out.node(id_iri(*base, "total", category, c.group_id), "AdverseEventTotal")
            out.add(node, tkg("total"), cnode)
            out.add(cnode, tkg("group"), _group_node(base, groups, c.group_id))
            out.lit(cnode, "totalCategory", category)
            out.number(cnode, "affected", c.affected)
            out.number(cnode, "atRisk", c.at_risk)
    counters = {True: 0, False: 0}
    for ev in ae.events:
        counters[ev.serious] = n = counters[ev.serious] + 1
        ebase = (*base, "serious" if ev.serious else "other", n)
        enode = out.node(id_iri(*ebase), "AdverseEvent", ev.term)
        out.add(t, tkg("adverseEvent"), enode)
        out.add(node, tkg("adverseEvent"), enode)
        out.lit(enode, "term", ev.term)
        out.add(enode, tkg("serious"),
                Literal("true" if ev.serious else "false", datatype=_BOOLEAN))
        out.lit(enode, "organSystem", ev.organ_system)
        out.lit(enode, "sourceVocabulary", ev.source_vocabulary)
        out.lit(enode, "assessmentType", ev.assessment_type)
        out.lit(enode, "description", ev.description)
        for c in ev.counts:
            cnode = out.node(id_iri(*ebase, "count", c.group_id), "AdverseEventCount")
            out.add(enode, tkg("eventCount"), cnode)
            out.add(cnode, tkg("group"), _group_node(base, groups, c.group_id))
            out.number(cnode, "affected", c.affected)
            out.number(cnode, "atRisk", c.at_risk)
            out.number(cnode, "events", c.events)


def _source(out: _Out, node: NamedNode, src: SourceRef) -> None:
    """Provenance of a curated fact: the page, when it was read, how to cite it."""
    out.add(node, _DERIVED, NamedNode(src.url))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", src.retrieved):
        out.add(node, tkg("retrieved"), Literal(src.retrieved, datatype=_DATE))
    else:
        out.lit(node, "retrieved", src.retrieved)
    if src.title:
        out.add(node, _TITLE, Literal(src.title))
    if src.citation:
        out.add(node, _CITATION, Literal(src.citation))
    if src.doi:
        doi = src.doi.strip().removeprefix("https://doi.org/").removeprefix("doi:")
        out.add(node, tkg("doi"), NamedNode("https://doi.org/" + doi))
    if src.pmid and src.pmid.isdigit():
        out.add(node, _SEE_ALSO, NamedNode(f"https://pubmed.ncbi.nlm.nih.gov/{src.pmid}/"))


# --- evidence ------------------------------------------------------------------------------


def evidence_iri(key: str) -> str:
    """The IRI of an evidence record.

    >>> evidence_iri("navarrete-dechent-2019")
    'https://w3id.org/trialkg/id/evidence/navarrete-dechent-2019'
    """
    return id_iri("evidence", key)


def evidence_graph_iri(key: str) -> str:
    """The named graph that holds one evidence record (replaced whole on re-ingest)."""
    return graph_iri("evidence", key)


def evidence_quads(evidence: Evidence, *, ingested_at: str | None = None) -> list[Quad]:
    """Every quad of one evidence record, in its own named graph, provenance included.

    Like a study's graph, it carries ``tkg:recordDigest`` so an unchanged record is skipped
    on re-ingest.

    :raises ValueError: when a MeSH id of the record is not one (a MeshError).
    """
    graph = NamedNode(evidence_graph_iri(evidence.key))
    triples: list[Term3] = []
    out = _Out(graph, triples)
    node = out.node(evidence_iri(evidence.key), "Evidence", evidence.title)
    if cls := EVIDENCE_CLASSES.get(evidence.kind):
        out.add(node, _TYPE, tkg(cls))
    out.lit(node, "evidenceKind", evidence.kind)
    for ui in evidence.intervention_mesh:
        out.add(node, tkg("aboutIntervention"), NamedNode(mesh_iri(ui)))
    for ui in evidence.condition_mesh:
        out.add(node, tkg("aboutCondition"), NamedNode(mesh_iri(ui)))
    for name in evidence.interventions:
        out.lit(node, "interventionName", name)
    for name in evidence.conditions:
        out.lit(node, "conditionName", name)
    out.number(node, "studiesPooled", evidence.studies_pooled)
    out.number(node, "participantsPooled", evidence.participants)
    _source(out, node, evidence.source)
    for n, outcome in enumerate(evidence.outcomes, start=1):
        onode = _outcome_result(out, ("evidence", evidence.key, "outcome", n), outcome, {})
        out.add(node, tkg("outcomeResult"), onode)
        out.add(onode, tkg("aboutEvidence"), node)
        _source(out, onode, evidence.source)
    content = list(dict.fromkeys([Quad(s, p, o, graph) for s, p, o in triples]))

    prov: list[Term3] = []
    p = _Out(graph, prov)
    p.add(graph, _TYPE, NamedNode(PROV + "Entity"))
    p.lit(graph, "recordDigest", record_digest(content))
    p.add(graph, tkg("aboutEvidence"), node)
    p.lit(graph, "sourceFile", evidence.record)
    p.lit(graph, "sourceFormat", "curated")
    from trialkg.mapping.curated import source_triples

    prov.extend(source_triples(graph, evidence.source))
    p.add(graph, NamedNode(PROV + "generatedAtTime"),
          Literal(ingested_at or ingest_time(), datatype=_DATETIME))
    return [Quad(s, p, o, graph) for s, p, o in prov] + content
