"""Record model → RDF quads, built directly as pyoxigraph terms.

Each study lives in its own named graph (:func:`trialkg.iris.study_graph_iri`) together with
its provenance, so re-ingesting a study replaces exactly that graph. Every node has an IRI
minted by :mod:`trialkg.iris` (no blank nodes). Enumerated codes become the ontology's
controlled individuals (``tkg:phase_PHASE2``, ``tkg:status_COMPLETED`` ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, serialize

from trialkg import __version__
from trialkg.curated_mapping import curated_triples
from trialkg.enumerations import code, is_known
from trialkg.ingest_linking import link_missing_mesh, linked_mesh_triples
from trialkg.iris import (
    CTGOV_STUDY,
    ID,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    TKG,
    XSD,
    graph_iri,
    id_iri,
    is_nct_id,
    mesh_iri,
    slug,
    study_graph_iri,
    trial_iri,
)
from trialkg.model import DatePoint, MeshTerm, Organization, Study
from trialkg.results_mapping import emit_results

__all__ = [
    "CONTROLLED",
    "INTERVENTION_CLASSES",
    "STUDY_TYPE_CLASSES",
    "age_in_years",
    "condition_iri",
    "date_literal",
    "node_key",
    "organization_iri",
    "record_digest",
    "record_graph_iri",
    "study_quads",
    "study_quads_and_text",
    "study_text",
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


def _ingest_time() -> str:
    """Ingest time; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        if epoch and epoch.isdigit()
        else datetime.now(tz=timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


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
TriplesSink = Callable[[NamedNode, list[Term3]], None]


def study_quads(study: Study, *, ingested_at: str | None = None,
                sink: TriplesSink | None = None) -> list[Quad]:
    """Every quad of one study, in its named graph, provenance included (no duplicates).

    The provenance holds ``tkg:recordDigest``, a digest of the study's own triples, so an
    unchanged record can be recognised and skipped on re-ingest.
    """
    return study_quads_and_text(study, ingested_at=ingested_at, sink=sink)[0]


def study_quads_and_text(
    study: Study, *, ingested_at: str | None = None, sink: TriplesSink | None = None
) -> tuple[list[Quad], bytes]:
    """:func:`study_quads`, and the same quads as N-Quads text (what ``serialize`` writes)."""
    graph, t, e = _emit(study)
    if sink is not None:
        sink(t, e.triples)
    quads = list(dict.fromkeys([Quad(s, p, o, graph) for s, p, o in e.triples]
                               + [Quad(s, p, o, _ENTITIES) for s, p, o in e.shared]))
    text = serialize(quads, format=RdfFormat.N_QUADS) or b""
    digest = _study_digest(len(quads), text, graph)
    if digest is None:
        digest = record_digest(quads)
    prov = _Emitter(graph)
    _provenance(prov, graph, t, study, ingested_at or _ingest_time(), digest)
    prov_quads = [Quad(s, p, o, graph) for s, p, o in prov.triples]
    return prov_quads + quads, (serialize(prov_quads, format=RdfFormat.N_QUADS) or b"") + text


def study_text(study: Study, *, ingested_at: str | None = None,
               sink: TriplesSink | None = None) -> tuple[bytes, int, str]:
    """The N-Quads text of :func:`study_quads` (byte for byte what ``serialize`` writes of
    them), the number of quads and the record digest, without building any ``Quad``.

    A term prints as Oxigraph's N-Quads serialiser writes it (the same code in Rust), and two
    quads are equal exactly when their lines are, so duplicates go the same way. An ingest
    worker maps this way: it needs the text, not the quads.
    """
    graph, t, e = _emit(study)
    if sink is not None:
        sink(t, e.triples)
    own, shared = f" {graph} .\n", f" {_ENTITIES} .\n"
    lines = list(dict.fromkeys([f"{s} {p} {o}{own}" for s, p, o in e.triples]
                               + [f"{s} {p} {o}{shared}" for s, p, o in e.shared]))
    text = "".join(lines).encode()
    digest = _study_digest(len(lines), text, graph)
    if digest is None:  # not the expected shape (never by construction): the general way
        quads, nquads = study_quads_and_text(study, ingested_at=ingested_at)  # sink: done
        return nquads, len(quads), _digest_of_quads(quads)
    prov = _Emitter(graph)
    _provenance(prov, graph, t, study, ingested_at or _ingest_time(), digest)
    head = "".join([f"{s} {p} {o}{own}" for s, p, o in prov.triples]).encode()
    return head + text, len(prov.triples) + len(lines), digest


def _emit(study: Study) -> tuple[NamedNode, NamedNode, _Emitter]:
    """A study's graph, trial node, and its content triples (own graph and entities)."""
    graph = NamedNode(record_graph_iri(study))
    e = _Emitter(graph)
    t = NamedNode(trial_iri(study.trial_id))
    link_missing_mesh(study)  # fills its *_mesh_linked: trialkg's MeSH where it gives none
    _content(e, t, study)
    e.triples.extend(curated_triples(graph, t, study))
    return graph, t, e


def _digest_of_quads(quads: list[Quad]) -> str:
    return next(str(q.object.value) for q in quads
                if q.predicate.value == TKG + "recordDigest" and isinstance(q.object, Literal))


_ENTITIES_SUFFIX = f" {_ENTITIES} .\n".encode()


def _study_digest(count: int, text: bytes, graph: NamedNode) -> str | None:
    """:func:`record_digest` of a study's ``count`` quads from their N-Quads ``text``.

    Every quad :func:`study_quads` writes is in the study's graph or the entities graph, so
    each line ends with one of two suffixes (a newline only ends a line: literals escape
    theirs), and both are cut from the whole text at once. None for text of another shape.
    """
    import hashlib

    own = f" {graph} .\n".encode()
    if not count or text.count(own) + text.count(_ENTITIES_SUFFIX) != count:
        return None
    cut = text.replace(own, b"\n").replace(_ENTITIES_SUFFIX, b"\n").splitlines()
    return hashlib.sha256(b"\n".join(sorted(cut))).hexdigest()[:32]


def record_graph_iri(study: Study) -> str:
    """The named graph a record goes to: ``study/{id}``, or the record's own ``graph``."""
    if study.graph:
        return graph_iri(*study.graph.split("/"))
    return study_graph_iri(study.trial_id)


def node_key(study: Study) -> str:
    """First IRI segment of a record's own nodes (arms, sites ...): the trial id, or
    ``curated-NCT…`` for a record in its own graph, so its nodes never merge with the
    registry record's."""
    return study.graph.replace("/", "-") if study.graph else study.trial_id


def record_digest(quads: list[Quad]) -> str:
    """An order-independent digest of a study's triples.

    SHA-256 of the sorted ``subject predicate object`` lines. The lines are written by
    Oxigraph's N-Quads serialiser (in Rust) with the graph cut off, which gives the same
    text as formatting every term in Python at a fraction of the cost.

    >>> g, s, p = NamedNode("http://g"), NamedNode("http://s"), NamedNode("http://p")
    >>> a, b = Quad(s, p, Literal("1"), g), Quad(s, p, Literal("2"), g)
    >>> record_digest([a, b]) == record_digest([b, a])
    True
    """
    import hashlib

    lines = (serialize(quads, format=RdfFormat.N_QUADS) or b"").splitlines()
    if not quads:
        return hashlib.sha256(b"").hexdigest()[:32]
    # A study's quads share one graph: cut its " <g> ." from every line at C speed.
    suffix = _graph_suffix(quads[0])
    cut = [line[: -len(suffix)] if line.endswith(suffix) else _triple_part(line, q)
           for line, q in zip(lines, quads, strict=True)]
    return hashlib.sha256(b"\n".join(sorted(cut))).hexdigest()[:32]


def _graph_suffix(quad: Quad) -> bytes:
    g = quad.graph_name
    return f" {g} .".encode() if isinstance(g, NamedNode | BlankNode) else b" ."


def _triple_part(line: bytes, quad: Quad) -> bytes:
    """``s p o`` of an N-Quads line ``s p o g .`` (or ``s p o .`` in the default graph)."""
    suffix = _graph_suffix(quad)
    return line[: -len(suffix)] if line.endswith(suffix) else line


def _content(e: _Emitter, t: NamedNode, study: Study) -> None:
    tid = study.trial_id

    e.add(t, _TYPE, tkg("ClinicalTrial"))
    if study.study_type and (cls := STUDY_TYPE_CLASSES.get(code(study.study_type))):
        e.add(t, _TYPE, tkg(cls))
    e.lit(t, "trialId", tid)
    if is_nct_id(tid):
        e.lit(t, "nctId", tid)
        e.add(t, NamedNode(SCHEMA + "url"), NamedNode(CTGOV_STUDY + tid))
    title = study.brief_title or study.official_title or study.acronym
    if title:
        e.add(t, _LABEL, text(title))
    e.lit(t, "briefTitle", study.brief_title)
    e.lit(t, "officialTitle", study.official_title)
    e.lit(t, "acronym", study.acronym)
    e.lit(t, "orgStudyId", study.org_study_id)
    for sid in study.secondary_ids:
        e.lit(t, "secondaryId", sid.id)
    e.org(t, "organization", study.organization)

    for attr, (prop, prefix, _cls) in CONTROLLED.items():
        value = getattr(study, attr)
        if value:
            if study.graph and prop == "overallStatus":
                # A curated page's status is a dated report, not the registry's own
                # (single-valued) status: kept apart so the two never clash.
                prop = "reportedStatus"
            e.add(t, tkg(prop), controlled(prefix, value))
    for phase in study.phases:
        e.add(t, tkg("phase"), controlled("phase", phase))
    e.lit(t, "whyStopped", study.why_stopped)
    if study.status_verified:
        e.add(t, tkg("statusVerifiedDate"), date_literal(study.status_verified))
    e.date(t, "startDate", study.start)
    e.date(t, "primaryCompletionDate", study.primary_completion)
    e.date(t, "completionDate", study.completion)
    e.date(t, "firstPostedDate", study.first_posted)
    e.date(t, "lastUpdatePostedDate", study.last_update_posted)
    e.date(t, "resultsFirstPostedDate", study.results_first_posted)

    e.org(t, "leadSponsor", study.lead_sponsor)
    for collaborator in study.collaborators:
        e.org(t, "collaborator", collaborator)
    if study.responsible_party_type:
        e.add(t, tkg("responsiblePartyType"), Literal(code(study.responsible_party_type)))
    e.lit(t, "responsiblePartyName", study.responsible_party_name)

    e.lit(t, "briefSummary", study.brief_summary)
    e.lit(t, "detailedDescription", study.detailed_description)
    for keyword in study.keywords:
        e.lit(t, "keyword", keyword)
    for condition in study.conditions:
        node = NamedNode(condition_iri(condition))
        e.add(t, tkg("condition"), node)
        e.entity(node, "Condition", condition)

    for who in study.who_masked:
        e.add(t, tkg("whoMasked"), Literal(code(who)))
    e.typed(t, "enrollment", study.enrollment, _XSD_INTEGER)
    if study.enrollment_type:
        kind = code(study.enrollment_type)
        e.add(t, tkg("enrollmentType"),
              controlled("actuality", "ESTIMATED" if kind == "ANTICIPATED" else kind))
    e.flag(t, "hasResults", None if study.graph else study.has_results)  # additions: no say

    _arms_and_interventions(e, t, study)
    _outcomes(e, t, study)
    _eligibility(e, t, study)
    _sites_and_people(e, t, study)
    _mesh(e, t, study)
    e.triples.extend(linked_mesh_triples(t, study, node_key(study), condition_iri))
    if study.results is not None:
        emit_results(e, t, study)


def _provenance(
    e: _Emitter, graph: NamedNode, t: NamedNode, study: Study, when: str, digest: str
) -> None:
    e.add(graph, _TYPE, NamedNode(PROV + "Entity"))
    e.lit(graph, "recordDigest", digest)
    e.add(graph, tkg("aboutTrial"), t)
    e.lit(graph, "sourceFile", study.source)
    e.lit(graph, "sourceFormat", study.source_format)
    if study.version:
        e.add(graph, tkg("recordVersion"), date_literal(study.version))
    e.add(graph, NamedNode(PROV + "generatedAtTime"), Literal(when, datatype=_XSD_DATETIME))
    e.lit(graph, "trialkgVersion", __version__)
    if study.retrieved:  # fetched from the registry's API: when, and by which saved search
        e.add(graph, tkg("retrievedAt"), Literal(study.retrieved, datatype=_XSD_DATETIME))
    if study.search:
        e.add(graph, tkg("fromSearch"), NamedNode(study.search))


def _arms_and_interventions(e: _Emitter, t: NamedNode, study: Study) -> None:
    tid = node_key(study)
    arm_nodes: dict[str, NamedNode] = {}
    for n, arm in enumerate(study.arms, start=1):
        node = _node(tid, "arm", n)
        arm_nodes.setdefault(arm.label.casefold(), node)
        e.add(t, tkg("arm"), node)
        e.add(node, _TYPE, tkg("Arm"))
        e.add(node, _LABEL, text(arm.label))
        if arm.type:
            e.add(node, tkg("armType"), Literal(code(arm.type)))
        e.lit(node, "description", arm.description)
    for n, iv in enumerate(study.interventions, start=1):
        node = _node(tid, "intervention", n)
        e.add(t, tkg("intervention"), node)
        e.add(node, _TYPE, tkg("Intervention"))
        if iv.type:
            iv_code = code(iv.type)
            e.add(node, _TYPE, tkg(INTERVENTION_CLASSES.get(iv_code, "OtherIntervention")))
            e.add(node, tkg("interventionType"), Literal(iv_code))
        e.add(node, _LABEL, text(iv.name))
        e.lit(node, "description", iv.description)
        for other in iv.other_names:
            e.lit(node, "otherName", other)
        for label in iv.arm_labels:
            arm_node = arm_nodes.get(label.casefold())
            if arm_node is not None:
                e.add(node, tkg("inArm"), arm_node)
        for term in iv.mesh:
            e.add(node, tkg("mesh"), NamedNode(mesh_iri(term.ui)))


def _outcomes(e: _Emitter, t: NamedNode, study: Study) -> None:
    counters: dict[str, int] = {}
    for outcome in study.outcomes:
        counters[outcome.kind] = n = counters.get(outcome.kind, 0) + 1
        node = _node(node_key(study), "outcome", outcome.kind, n)
        e.add(t, tkg("outcome"), node)
        e.add(node, _TYPE, tkg("Outcome"))
        e.add(node, _TYPE, tkg(OUTCOME_CLASSES.get(outcome.kind, "OtherOutcome")))
        e.add(node, _LABEL, text(outcome.measure))
        e.lit(node, "description", outcome.description)
        e.lit(node, "timeFrame", outcome.time_frame)


def _eligibility(e: _Emitter, t: NamedNode, study: Study) -> None:
    el = study.eligibility
    if el is None:
        return
    node = _node(node_key(study), "eligibility")
    e.add(t, tkg("eligibility"), node)
    e.add(node, _TYPE, tkg("Eligibility"))
    e.lit(node, "criteria", el.criteria)
    if el.sex:
        e.add(node, tkg("sex"), Literal(code(el.sex)))
    e.flag(node, "genderBased", el.gender_based)
    for local, age in (("minimumAge", el.minimum_age), ("maximumAge", el.maximum_age)):
        if not age:
            continue
        e.lit(node, local, age)
        parsed = age_in_years(age)
        if parsed:
            e.add(node, tkg(local + "Duration"), Literal(parsed[0], datatype=_XSD_DURATION))
            e.add(node, tkg(local + "Years"), Literal(f"{parsed[1]:g}", datatype=_XSD_DECIMAL))
    for std in el.std_ages:
        e.add(node, tkg("stdAge"), Literal(code(std)))
    e.flag(node, "healthyVolunteers", el.healthy_volunteers)
    e.lit(node, "studyPopulation", el.study_population)
    e.lit(node, "samplingMethod", el.sampling_method)


def _sites_and_people(e: _Emitter, t: NamedNode, study: Study) -> None:
    tid = node_key(study)
    for n, site in enumerate(study.sites, start=1):
        node = _node(tid, "site", n)
        e.add(t, tkg("site"), node)
        e.add(node, _TYPE, tkg("Site"))
        label = ", ".join(x for x in (site.facility, site.city, site.country) if x)
        if label:
            e.add(node, _LABEL, text(label))
        e.lit(node, "facility", site.facility)
        e.lit(node, "city", site.city)
        e.lit(node, "state", site.state)
        e.lit(node, "postalCode", site.zip)
        e.lit(node, "country", site.country)
        if site.status:
            e.add(node, tkg("recruitmentStatus"), Literal(code(site.status)))
        if site.lat is not None and site.lon is not None:
            e.add(node, _LATITUDE, Literal(repr(site.lat), datatype=_XSD_DECIMAL))
            e.add(node, _LONGITUDE, Literal(repr(site.lon), datatype=_XSD_DECIMAL))
    for n, official in enumerate(study.officials, start=1):
        node = _node(tid, "official", n)
        e.add(t, tkg("official"), node)
        e.add(node, _TYPE, tkg("Official"))
        e.add(node, _LABEL, text(official.name))
        e.lit(node, "affiliation", official.affiliation)
        if official.role:
            e.add(node, tkg("officialRole"), Literal(code(official.role)))
    for n, ref in enumerate(study.references, start=1):
        node = _node(tid, "reference", n)
        e.add(t, tkg("reference"), node)
        e.add(node, _TYPE, tkg("Reference"))
        if ref.pmid and ref.pmid.isdigit():
            e.lit(node, "pmid", ref.pmid)
            e.add(node, NamedNode(RDFS + "seeAlso"),
                  NamedNode(f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"))
        e.lit(node, "citation", ref.citation)
        if ref.type:
            e.add(node, tkg("referenceType"), Literal(code(ref.type)))


def _mesh(e: _Emitter, t: NamedNode, study: Study) -> None:
    groups: tuple[tuple[str, list[MeshTerm], bool], ...] = (
        ("conditionMesh", study.condition_mesh, True),
        ("conditionMeshAncestor", study.condition_mesh_ancestors, False),
        ("interventionMesh", study.intervention_mesh, True),
        ("interventionMeshAncestor", study.intervention_mesh_ancestors, False),
    )
    for prop, terms, direct in groups:
        for term in terms:
            target = NamedNode(mesh_iri(term.ui))
            e.add(t, tkg(prop), target)
            if not direct:
                continue
            # How the direct link was made, for users who filter by it.
            link = _node(node_key(study), "mesh-link", prop, term.ui)
            e.add(t, tkg("meshLink"), link)
            e.add(link, _TYPE, tkg("MeshLink"))
            e.add(link, tkg("linkProperty"), tkg(prop))
            e.add(link, tkg("mesh"), target)
            e.add(link, tkg("linkMethod"), Literal(term.method))
            e.lit(link, "meshLabel", term.term)
            e.lit(link, "matchedText", term.matched_text)
            e.lit(link, "relevance", term.relevance)
