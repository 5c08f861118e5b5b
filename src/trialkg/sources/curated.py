"""Curated records (YAML, validated by ``curated_schema.json``): facts from pages that are not
registry records, each file carrying its source page and retrieval date.

Three record types:

* ``trial`` — a trial known from a page (lay summary, other registry) →
  :class:`~trialkg.model.Study` (``source_format="curated"``) in graph ``study/{trial_id}``;
* ``addition`` — facts about a registry trial that its registry record lacks →
  a :class:`~trialkg.model.Study` about the same trial IRI, written to its own graph
  ``curated/{trial_id}`` so that re-ingesting the registry record never drops it;
* ``evidence`` — published pooled evidence → :class:`~trialkg.results.Evidence`
  (:func:`read_evidence`; the trial readers refuse it with a clear message).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trialkg.exceptions import InputFormatError, RecordError
from trialkg.model import (
    DatePoint,
    Eligibility,
    Intervention,
    MeshTerm,
    Official,
    Organization,
    Outcome,
    SecondaryId,
    Site,
    Study,
)
from trialkg.results import Evidence, Measurement, OutcomeResult, SourceRef, StudyResults

__all__ = [
    "SCHEMA_PATH",
    "load_document",
    "read_evidence",
    "read_file",
    "schema",
    "to_evidence",
    "to_study",
    "validate",
]

Item = Study | Evidence | RecordError
SCHEMA_PATH = Path(__file__).resolve().parent / "curated_schema.json"


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The curated-record JSON Schema shipped with the package."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return loaded


def validate(doc: Any) -> list[str]:
    """Every schema finding as ``field PATH: message``, sorted by path; empty when valid."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    findings = []
    for error in validator.iter_errors(doc):
        path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        findings.append(f"field {path}: {error.message}")
    return sorted(set(findings))


def load_document(path: Path, name: str) -> dict[str, Any]:
    """Read and validate one curated YAML file.

    :raises InputFormatError: not YAML, or not a mapping.
    :raises RecordError: the document does not follow the schema (every finding listed).
    """
    import yaml

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read: {exc}", source=name) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputFormatError(f"not YAML: {' '.join(str(exc).split())}", source=name) from None
    if not isinstance(doc, dict):
        raise InputFormatError("expected a curated record (a YAML mapping)", source=name)
    # YAML reads 2019-01-02 as a date; the schema wants the text.
    doc = dict(json.loads(json.dumps(doc, default=str)))
    findings = validate(doc)
    if findings:
        record = str(doc.get("trial_id") or doc.get("key") or "")
        raise RecordError("; ".join(findings), source=name, record=record)
    return doc


def read_file(path: Path, name: str) -> Iterator[Item]:
    """The trial, addition or evidence record in one curated file."""
    try:
        doc = load_document(path, name)
    except RecordError as exc:
        yield exc
        return
    if doc["record_type"] == "evidence":
        evidence = to_evidence(doc)
        evidence.record = name
        yield evidence
        return
    study = to_study(doc)
    study.source = name
    study.record = study.trial_id
    yield study


def read_evidence(path: Path, name: str) -> Evidence:
    """The evidence record in one curated file.

    :raises RecordError: the file is not a valid evidence record.
    """
    doc = load_document(path, name)
    if doc["record_type"] != "evidence":
        raise RecordError("not an evidence record", source=name, record=doc.get("trial_id", ""))
    evidence = to_evidence(doc)
    evidence.record = name
    return evidence


def _source(doc: dict[str, Any]) -> SourceRef:
    return SourceRef(url=doc["url"], retrieved=doc["retrieved"], title=doc.get("title"),
                     citation=doc.get("citation"), doi=doc.get("doi"), pmid=doc.get("pmid"))


def _org(value: str | dict[str, Any]) -> Organization:
    if isinstance(value, str):
        return Organization(value)
    return Organization(value["name"], value.get("class"))


def _person(value: str | dict[str, Any], role: str | None) -> Official:
    if isinstance(value, str):
        return Official(value, None, role)
    return Official(value["name"], value.get("affiliation"), value.get("role", role))


def _intervention(value: str | dict[str, Any]) -> Intervention:
    if isinstance(value, str):
        return Intervention(value)
    return Intervention(value["name"], value.get("type"), value.get("description"),
                        list(value.get("other_names", [])))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _outcome_result(o: dict[str, Any]) -> OutcomeResult:
    return OutcomeResult(
        kind=o.get("kind", "primary"),
        title=o["title"],
        description=o.get("description"),
        time_frame=o.get("time_frame"),
        population=o.get("population"),
        param_type=o.get("param_type"),
        unit=o.get("unit"),
        measurements=[
            Measurement(
                group_id=m.get("group"),
                value=_text(m["value"]),
                spread=_text(m.get("spread")),
                lower=_text(m.get("lower")),
                upper=_text(m.get("upper")),
                comment=m.get("comment"),
                class_title=m.get("class"),
                category_title=m.get("category"),
                denominator=_text(m.get("denominator")),
                unit=m.get("unit"),
            )
            for m in o["measurements"]
        ],
    )


def _mesh(uis: list[str]) -> list[MeshTerm]:
    from trialkg.iris import normalise_mesh_id

    return [MeshTerm(ui=normalise_mesh_id(ui), method="curated") for ui in uis]


def to_study(doc: dict[str, Any]) -> Study:
    """A validated trial or addition document as a :class:`~trialkg.model.Study`."""
    tid = doc["trial_id"]
    addition = doc["record_type"] == "addition"
    s = Study(trial_id=tid, source_format="curated-addition" if addition else "curated")
    s.graph = f"curated/{tid}" if addition else None
    s.source_ref = _source(doc["source"])
    s.brief_title = doc.get("title")
    s.official_title = doc.get("official_title")
    s.acronym = doc.get("acronym")
    s.secondary_ids = [SecondaryId(x) for x in doc.get("secondary_ids", [])]
    s.overall_status = doc.get("status")
    s.phases = list(doc.get("phases", []))
    s.study_type = doc.get("study_type")
    s.allocation = doc.get("allocation")
    s.intervention_model = doc.get("intervention_model")
    s.masking = doc.get("masking")
    s.primary_purpose = doc.get("primary_purpose")
    s.start = DatePoint(doc["start"]) if "start" in doc else None
    s.completion = DatePoint(doc["completion"]) if "completion" in doc else None
    s.brief_summary = doc.get("summary")
    s.conditions = list(doc.get("conditions", []))
    s.keywords = list(doc.get("keywords", []))
    s.interventions = [_intervention(i) for i in doc.get("interventions", [])]
    s.condition_mesh = _mesh(doc.get("condition_mesh", []))
    s.intervention_mesh = _mesh(doc.get("intervention_mesh", []))
    s.enrollment = doc.get("enrollment")
    s.enrollment_type = doc.get("enrollment_type")
    s.lead_sponsor = _org(doc["sponsor"]) if "sponsor" in doc else None
    s.collaborators = [_org(x) for x in doc.get("supporters", [])]
    if "chief_investigator" in doc:
        s.officials.append(_person(doc["chief_investigator"], "CHIEF_INVESTIGATOR"))
    s.officials.extend(_person(p, None) for p in doc.get("officials", []))
    s.sites = [Site(**site) for site in doc.get("sites", [])]
    if "eligibility" in doc:
        s.eligibility = Eligibility(**doc["eligibility"])
    s.outcomes = [Outcome(o["kind"], o["measure"], o.get("description"), o.get("time_frame"))
                  for o in doc.get("outcomes", [])]
    if "results" in doc:
        results = doc["results"]
        s.results = StudyResults(
            outcomes=[_outcome_result(o) for o in results["outcomes"]],
            source=_source(results["source"]) if "source" in results else s.source_ref,
        )
        s.has_results = not addition
    return s


def to_evidence(doc: dict[str, Any]) -> Evidence:
    """A validated evidence document as a :class:`~trialkg.results.Evidence`."""
    from trialkg.iris import normalise_mesh_id

    return Evidence(
        key=doc["key"],
        title=doc["title"],
        source=_source(doc["source"]),
        kind=doc.get("evidence_type", "systematic-review"),
        intervention_mesh=[normalise_mesh_id(u) for u in doc.get("intervention_mesh", [])],
        condition_mesh=[normalise_mesh_id(u) for u in doc.get("condition_mesh", [])],
        interventions=list(doc.get("interventions", [])),
        conditions=list(doc.get("conditions", [])),
        studies_pooled=doc.get("studies_pooled"),
        participants=doc.get("participants"),
        outcomes=[_outcome_result(o) for o in doc["outcomes"]],
    )
