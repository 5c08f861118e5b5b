"""The results model: posted registry results and published / lay-summary evidence.

Values keep the exact text the source gives (``"55.2"``, ``"NA"``, ``"<0.001"``): they are
never turned into floats here, so nothing is rounded or lost. The RDF mapping adds a typed
numeric companion only where the text is a plain decimal.

Registry results (API v2 ``resultsSection``, legacy XML ``<clinical_results>``) hang off a
:class:`~trialkg.model.Study` as :class:`StudyResults`. Published pooled evidence that is not
one trial (a systematic review) is an :class:`Evidence` record of its own. Curated facts about
a trial (a lay summary's response counts) are a :class:`StudyResults` with ``source`` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AdverseEvent",
    "AdverseEventCount",
    "AdverseEvents",
    "Analysis",
    "Baseline",
    "BaselineMeasure",
    "Evidence",
    "FlowCount",
    "Measurement",
    "OutcomeResult",
    "ParticipantFlow",
    "ResultGroup",
    "SourceRef",
    "StudyResults",
]


@dataclass(slots=True)
class SourceRef:
    """Where a curated fact comes from: the page, when it was read, how to cite it."""

    url: str
    retrieved: str  # ISO date
    title: str | None = None
    citation: str | None = None
    doi: str | None = None
    pmid: str | None = None


@dataclass(slots=True)
class ResultGroup:
    """An arm or group as the results section names it (``OG000``, ``BG001``, ``EG000`` ...)."""

    id: str
    title: str
    description: str | None = None


@dataclass(slots=True)
class Measurement:
    """One value for one group: a count, a percentage, a mean with spread ...

    ``denominator`` is the number of participants (or units) the value is out of.
    """

    group_id: str | None
    value: str | None
    spread: str | None = None
    lower: str | None = None
    upper: str | None = None
    comment: str | None = None
    class_title: str | None = None  # row classes (e.g. "Week 12")
    category_title: str | None = None  # categories (e.g. "Partial response")
    denominator: str | None = None
    unit: str | None = None  # overrides the outcome's unit (curated facts)


@dataclass(slots=True)
class Analysis:
    group_ids: list[str] = field(default_factory=list)
    non_inferiority_type: str | None = None
    p_value: str | None = None
    method: str | None = None
    param_type: str | None = None
    param_value: str | None = None
    ci_pct: str | None = None
    ci_sides: str | None = None
    ci_lower: str | None = None
    ci_upper: str | None = None
    description: str | None = None
    estimate_comment: str | None = None
    dispersion_type: str | None = None
    dispersion_value: str | None = None
    p_value_comment: str | None = None
    method_comment: str | None = None


@dataclass(slots=True)
class OutcomeResult:
    kind: str  # primary, secondary, other, post-hoc
    title: str
    description: str | None = None
    time_frame: str | None = None
    population: str | None = None
    param_type: str | None = None  # COUNT_OF_PARTICIPANTS, MEAN, NUMBER, PERCENTAGE ...
    dispersion_type: str | None = None
    unit: str | None = None
    groups: list[ResultGroup] = field(default_factory=list)
    denominators: dict[str, str] = field(default_factory=dict)  # group id -> participants
    measurements: list[Measurement] = field(default_factory=list)
    analyses: list[Analysis] = field(default_factory=list)
    denominator_units: str | None = None  # what the denominators count (Participants ...)
    reporting_status: str | None = None


@dataclass(slots=True)
class FlowCount:
    period: str
    kind: str  # milestone (STARTED, COMPLETED, ...) or "withdrawal"
    label: str  # milestone type or withdrawal reason
    group_id: str
    count: str | None
    comment: str | None = None


@dataclass(slots=True)
class ParticipantFlow:
    groups: list[ResultGroup] = field(default_factory=list)
    counts: list[FlowCount] = field(default_factory=list)
    recruitment_details: str | None = None
    pre_assignment_details: str | None = None


@dataclass(slots=True)
class BaselineMeasure:
    title: str
    param_type: str | None = None
    dispersion_type: str | None = None
    unit: str | None = None
    measurements: list[Measurement] = field(default_factory=list)
    description: str | None = None
    population: str | None = None


@dataclass(slots=True)
class Baseline:
    groups: list[ResultGroup] = field(default_factory=list)
    denominators: dict[str, str] = field(default_factory=dict)
    measures: list[BaselineMeasure] = field(default_factory=list)
    population: str | None = None


@dataclass(slots=True)
class AdverseEventCount:
    group_id: str
    affected: str | None = None  # participants affected
    at_risk: str | None = None  # participants at risk
    events: str | None = None  # number of events


@dataclass(slots=True)
class AdverseEvent:
    term: str
    serious: bool
    organ_system: str | None = None
    source_vocabulary: str | None = None
    counts: list[AdverseEventCount] = field(default_factory=list)
    assessment_type: str | None = None
    description: str | None = None


@dataclass(slots=True)
class AdverseEvents:
    time_frame: str | None = None
    description: str | None = None
    frequency_threshold: str | None = None
    groups: list[ResultGroup] = field(default_factory=list)
    events: list[AdverseEvent] = field(default_factory=list)
    #: Per-group totals: participants with any serious / other event, and deaths.
    serious_totals: list[AdverseEventCount] = field(default_factory=list)
    other_totals: list[AdverseEventCount] = field(default_factory=list)
    deaths: list[AdverseEventCount] = field(default_factory=list)


@dataclass(slots=True)
class StudyResults:
    """Everything known of one study's results; ``source`` set for curated facts."""

    outcomes: list[OutcomeResult] = field(default_factory=list)
    flow: ParticipantFlow | None = None
    baseline: Baseline | None = None
    adverse_events: AdverseEvents | None = None
    source: SourceRef | None = None


@dataclass(slots=True)
class Evidence:
    """Published pooled evidence about a drug-condition pair (e.g. a systematic review).

    ``key`` is a stable slug (``navarrete-dechent-2019``) that names its IRI and graph.
    ``intervention_mesh`` / ``condition_mesh`` are MeSH UIs (normalised).
    """

    key: str
    title: str
    source: SourceRef
    kind: str = "systematic-review"  # systematic-review, meta-analysis, lay-summary ...
    intervention_mesh: list[str] = field(default_factory=list)
    condition_mesh: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)  # as written
    conditions: list[str] = field(default_factory=list)
    studies_pooled: int | None = None
    participants: int | None = None
    outcomes: list[OutcomeResult] = field(default_factory=list)
    record: str = ""  # where it came from, for messages (file and position)
