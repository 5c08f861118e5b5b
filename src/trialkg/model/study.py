"""The record model: what every importer produces and the RDF mapping consumes.

One :class:`Study` per trial record, whatever its source format (API v2 JSON, legacy XML,
curated records). Enumerated values use ClinicalTrials.gov API v2 codes (``PHASE2``,
``COMPLETED``, ``INTERVENTIONAL`` ...); importers of other formats translate to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Arm",
    "DatePoint",
    "Eligibility",
    "Intervention",
    "MeshTerm",
    "Official",
    "Organization",
    "Outcome",
    "Reference",
    "SecondaryId",
    "Site",
    "Study",
]


@dataclass(slots=True)
class DatePoint:
    """A date as the registry gives it: ``2004-01`` (month precision) or ``2004-01-15``.

    ``kind`` is ``ACTUAL`` or ``ESTIMATED`` (``ANTICIPATED`` in older records) when known.
    """

    value: str
    kind: str | None = None


@dataclass(slots=True)
class Organization:
    name: str
    org_class: str | None = None  # INDUSTRY, NIH, FED, OTHER_GOV, NETWORK, INDIV, OTHER ...


@dataclass(slots=True)
class SecondaryId:
    id: str
    type: str | None = None
    domain: str | None = None


@dataclass(slots=True)
class Arm:
    label: str
    type: str | None = None  # EXPERIMENTAL, PLACEBO_COMPARATOR ...
    description: str | None = None


@dataclass(slots=True)
class MeshTerm:
    """A link to a MeSH record.

    ``method`` says how it was made: ``record`` (the registry's own derived link), or the
    linker's ``exact``, ``partial``, ``abbreviation``, ``supplementary``.
    """

    ui: str  # normalised (D003520, D000068877)
    term: str | None = None
    method: str = "record"
    matched_text: str | None = None
    relevance: str | None = None  # HIGH / LOW from the registry's browse leaves
    #: trialkg's links at ingest (:mod:`trialkg.mapping.mesh_links`): which of the record's
    #: strings (1-based, a condition or an intervention) the link was found in
    index: int | None = None


@dataclass(slots=True)
class Intervention:
    name: str
    type: str | None = None  # DRUG, BIOLOGICAL, PROCEDURE, DEVICE, RADIATION, BEHAVIORAL ...
    description: str | None = None
    other_names: list[str] = field(default_factory=list)
    arm_labels: list[str] = field(default_factory=list)
    mesh: list[MeshTerm] = field(default_factory=list)  # per-term links (from the linker)


@dataclass(slots=True)
class Outcome:
    kind: str  # primary, secondary, other
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass(slots=True)
class Eligibility:
    criteria: str | None = None
    sex: str | None = None  # ALL, FEMALE, MALE
    gender_based: bool | None = None
    minimum_age: str | None = None  # as given: "18 Years"
    maximum_age: str | None = None
    std_ages: list[str] = field(default_factory=list)  # CHILD, ADULT, OLDER_ADULT
    healthy_volunteers: bool | None = None
    study_population: str | None = None
    sampling_method: str | None = None


@dataclass(slots=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True)
class Official:
    name: str
    affiliation: str | None = None
    role: str | None = None  # PRINCIPAL_INVESTIGATOR, STUDY_CHAIR, STUDY_DIRECTOR


@dataclass(slots=True)
class Reference:
    pmid: str | None = None
    citation: str | None = None
    type: str | None = None  # BACKGROUND, RESULT, DERIVED


@dataclass(slots=True)
class Study:
    """One trial record, source-format independent."""

    trial_id: str  # NCT00122473, or another registry id (EORTC-62027) for curated trials
    source: str = ""  # the file it came from, as the user named it
    record: str = ""  # where in the file (index), for messages
    version: str | None = None  # the record's data date (API v2 versionHolder)
    source_format: str = ""  # ctgov-json, ctgov-xml, curated
    #: When a record came from the registry's API (``trialkg fetch``): the time it was
    #: retrieved (ISO, UTC; ``source`` is then the request) and the saved search's IRI.
    retrieved: str | None = None
    search: str | None = None
    #: What reading the record noticed without failing it (an unknown enumeration value),
    #: one line each naming the file, record, field path and value.
    warnings: list[str] = field(default_factory=list)

    org_study_id: str | None = None
    secondary_ids: list[SecondaryId] = field(default_factory=list)
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    organization: Organization | None = None

    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    status_verified: str | None = None
    start: DatePoint | None = None
    primary_completion: DatePoint | None = None
    completion: DatePoint | None = None
    first_posted: DatePoint | None = None
    last_update_posted: DatePoint | None = None
    results_first_posted: DatePoint | None = None

    lead_sponsor: Organization | None = None
    collaborators: list[Organization] = field(default_factory=list)
    responsible_party_type: str | None = None
    responsible_party_name: str | None = None

    brief_summary: str | None = None
    detailed_description: str | None = None

    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)

    study_type: str | None = None  # INTERVENTIONAL, OBSERVATIONAL, EXPANDED_ACCESS
    phases: list[str] = field(default_factory=list)  # PHASE1, PHASE2 ... (combined: both)
    allocation: str | None = None
    intervention_model: str | None = None
    masking: str | None = None
    who_masked: list[str] = field(default_factory=list)
    primary_purpose: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL, ESTIMATED

    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    eligibility: Eligibility | None = None
    sites: list[Site] = field(default_factory=list)
    officials: list[Official] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    # MeSH: direct links apart from the registry's ancestors, never merged.
    condition_mesh: list[MeshTerm] = field(default_factory=list)
    condition_mesh_ancestors: list[MeshTerm] = field(default_factory=list)
    intervention_mesh: list[MeshTerm] = field(default_factory=list)
    intervention_mesh_ancestors: list[MeshTerm] = field(default_factory=list)
    #: trialkg's own links, made at ingest for a side the record gives no MeSH for
    #: (:mod:`trialkg.mapping.mesh_links`); never merged with the registry's.
    condition_mesh_linked: list[MeshTerm] = field(default_factory=list)
    intervention_mesh_linked: list[MeshTerm] = field(default_factory=list)

    has_results: bool = False
    #: Posted results, shaped by trialkg.model.results (filled by importers that read them).
    results: Any = None
    #: The named graph (below ``graph/``) the record is written to; None: ``study/{trial_id}``.
    #: Curated additions to a registry trial use ``curated/{trial_id}`` so that re-ingesting
    #: the registry record never drops them.
    graph: str | None = None
    #: Where curated facts come from (a trialkg.model.results.SourceRef): page, retrieval date.
    source_ref: Any = None
