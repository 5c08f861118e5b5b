"""Record model → RDF quads, built directly as pyoxigraph terms.

Each study is one record, named by its graph IRI (:func:`trialkg.iris.study_graph_iri`),
together with its provenance, so re-ingesting a study replaces exactly that record. A
registry record's quads are in the default graph (:func:`trialkg.iris.in_default_graph`), a
curated addition's in its own named graph. Every node has an IRI
minted by :mod:`trialkg.iris` (no blank nodes). Enumerated codes become the ontology's
controlled individuals (``tkg:phase_PHASE2``, ``tkg:status_COMPLETED`` ...).
"""

from __future__ import annotations

from collections.abc import Callable

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, serialize

from trialkg import __version__
from trialkg.iris import (
    CTGOV_STUDY,
    PROV,
    RDFS,
    SCHEMA,
    graph_iri,
    in_default_graph,
    is_nct_id,
    mesh_iri,
    study_graph_iri,
    trial_iri,
)
from trialkg.mapping.curated import curated_triples
from trialkg.mapping.digest import (
    digest_of_quads,
    ingest_time,
    record_digest,
    study_digest,
    triples_digest,
)
from trialkg.mapping.mesh_links import link_missing_mesh, linked_mesh_triples
from trialkg.mapping.results import emit_results
from trialkg.mapping.terms import (
    _ENTITIES,
    _LABEL,
    _LATITUDE,
    _LONGITUDE,
    _TYPE,
    _XSD_DATETIME,
    _XSD_DECIMAL,
    _XSD_DURATION,
    _XSD_INTEGER,
    CONTROLLED,
    INTERVENTION_CLASSES,
    OUTCOME_CLASSES,
    STUDY_TYPE_CLASSES,
    Term3,
    _Emitter,
    _node,
    age_in_years,
    condition_iri,
    controlled,
    date_literal,
    organization_iri,
    text,
    tkg,
)
from trialkg.model import MeshTerm, Study
from trialkg.model.enumerations import code

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

#: Called with a study's trial, its own triples and the shared-entity triples it implies.
TriplesSink = Callable[[NamedNode, list[Term3], list[Term3]], None]


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
        sink(t, e.triples, e.shared)
    home = _home(graph)
    quads = list(dict.fromkeys([Quad(s, p, o, home) for s, p, o in e.triples]
                               + [Quad(s, p, o, _ENTITIES) for s, p, o in e.shared]))
    text = serialize(quads, format=RdfFormat.N_QUADS) or b""
    digest = study_digest(len(quads), text, home)
    if digest is None:
        digest = record_digest(quads)
    prov = _Emitter(graph)
    _provenance(prov, graph, t, study, ingested_at or ingest_time(), digest)
    prov_quads = [Quad(s, p, o, home) for s, p, o in prov.triples]
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
        sink(t, e.triples, e.shared)
    home = _home(graph)
    own = " .\n" if isinstance(home, DefaultGraph) else f" {graph} .\n"
    shared = f" {_ENTITIES} .\n"
    # ``s p o`` of each quad, once per graph (the two graphs' lines never collide)
    mine = list(dict.fromkeys(_lines(e.triples)))
    theirs = list(dict.fromkeys(_lines(e.shared)))
    text = (own.join(mine) + own + shared.join(theirs) + (shared if theirs else "")).encode()
    count = len(mine) + len(theirs)
    if not mine or text.count(b"\n") != count:
        # not the expected shape (never by construction): the general way
        quads, nquads = study_quads_and_text(study, ingested_at=ingested_at)  # sink: done
        return nquads, len(quads), digest_of_quads(quads)
    # record_digest of these quads: code-point order of str is the byte order of UTF-8
    digest = triples_digest(mine + theirs)
    prov = _Emitter(graph)
    _provenance(prov, graph, t, study, ingested_at or ingest_time(), digest)
    head = "".join([f"{s} {p} {o}{own}" for s, p, o in prov.triples]).encode()
    return head + text, len(prov.triples) + count, digest


#: predicate → its N-Quads text: the mapping uses a fixed set of predicates
_PREDICATE_TEXT: dict[NamedNode, str] = {}


def _lines(triples: list[Term3]) -> list[str]:
    """``s p o`` of each triple as N-Quads writes them (``str`` of each term, Oxigraph's
    own formatting). A study's subjects recur (its trial, each arm ...) and its predicates
    come from the ontology, so both are formatted once: a fifth less time than formatting
    every term."""
    subjects: dict[NamedNode, str] = {}
    known, names = subjects.get, _PREDICATE_TEXT.get
    return [f"{known(s) or subjects.setdefault(s, str(s))} {names(p) or _predicate(p)} {o}"
            for s, p, o in triples]


def _predicate(p: NamedNode) -> str:
    text = str(p)
    if len(_PREDICATE_TEXT) < 4096:  # bounded, should a mapping ever make predicates of data
        _PREDICATE_TEXT[p] = text
    return text


def _emit(study: Study) -> tuple[NamedNode, NamedNode, _Emitter]:
    """A study's graph, trial node, and its content triples (own graph and entities)."""
    graph = NamedNode(record_graph_iri(study))
    e = _Emitter(graph)
    t = NamedNode(trial_iri(study.trial_id))
    link_missing_mesh(study)  # fills its *_mesh_linked: trialkg's MeSH where it gives none
    _content(e, t, study)
    for triple in curated_triples(graph, t, study):
        # a source page is described once, in the entities graph (records share pages);
        # the record's own triple is its prov:wasDerivedFrom link
        (e.triples if triple[0] in (graph, t) else e.shared).append(triple)
    return graph, t, e


def _home(graph: NamedNode) -> NamedNode | DefaultGraph:
    """Where the store keeps a record's quads: the default graph for a registry record."""
    return DefaultGraph() if in_default_graph(graph.value) else graph


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
