"""Curated records (YAML, validated by ``curated_schema.json``): facts from pages that are not
registry records, each file carrying its source page and retrieval date.

Three record types:

* ``trial`` — a trial known from a page (lay summary, other registry) →
  :class:`~trialkg.model.Study` (``source_format="curated"``) in graph ``study/{trial_id}``;
* ``addition`` — facts about a registry trial that its registry record lacks →
  a :class:`~trialkg.model.Study` about the same trial IRI, written to its own graph
  ``curated/{trial_id}`` so that re-ingesting the registry record never drops it;
* ``evidence`` — published pooled evidence → :class:`~trialkg.model.results.Evidence`
  (:func:`read_evidence`; the trial readers refuse it with a clear message).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trialkg.exceptions import InputFormatError, RecordError, shown
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
from trialkg.model.results import Evidence, Measurement, OutcomeResult, SourceRef, StudyResults
from trialkg.sources.files import read_whole

__all__ = [
    "SCHEMA_PATH",
    "load_document",
    "parse_document",
    "read_bytes",
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


def _pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    """``pattern`` with ECMA-262's ``$``; Python's also matches before a final newline, so
    ``"NCT00000001\n"`` passed ``^NCT[0-9]{8}$`` and minted a different trial IRI."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string"):
        return
    found = re.search(pattern, instance)
    if found is None or (pattern.endswith("$") and found.end() != len(instance)):
        yield ValidationError(f"{shown(instance)} does not match {pattern!r}")


def validate(doc: Any) -> list[str]:
    """Every schema finding as ``field PATH: message``, sorted by path; empty when valid."""
    import jsonschema

    checker = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _pattern})
    validator = checker(schema())
    findings = []
    for error in validator.iter_errors(doc):
        path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        # jsonschema quotes the whole value: a 1 MB string would make a 1 MB message.
        message = error.message.replace(repr(error.instance), shown(error.instance))
        if len(message) > 300:
            message = message[:299] + "…"
        findings.append(f"field {path}: {message}")
    return sorted(set(findings))


def load_document(path: Path, name: str) -> dict[str, Any]:
    """Read and validate one curated YAML file.

    :raises InputFormatError: not YAML, or not a mapping.
    :raises RecordError: the document does not follow the schema (every finding listed).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFormatError(f"cannot read: {exc}", source=name) from None
    return parse_document(data, name)


def parse_document(data: bytes, name: str) -> dict[str, Any]:
    """Parse and validate one curated YAML document; ``name`` is the file it came from.

    :raises InputFormatError: not UTF-8, not YAML, or not a mapping.
    :raises RecordError: the document does not follow the schema (every finding listed).
    """
    import yaml

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"cannot read: {exc}", source=name) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputFormatError(f"not YAML: {' '.join(str(exc).split())}", source=name) from None
    if not isinstance(doc, dict):
        raise InputFormatError("expected a curated record (a YAML mapping)", source=name)
    # YAML reads 2019-01-02 as a date; the schema wants the text.
    doc = dict(json.loads(json.dumps(doc, default=str)))
    record = doc.get("trial_id") or doc.get("key") or ""
    if not (isinstance(record, str) and len(record) <= 40 and record.isprintable()):
        record = ""  # no 1 MB "ids", no control characters in the message
    # A "\ud800" escape loads as a lone surrogate, which no RDF literal can hold.
    if (where := _lone_surrogate(doc)) is not None:
        raise RecordError(f"field {where}: text holds a lone surrogate (not valid Unicode)",
                          source=name, record=record)
    findings = validate(doc)
    if findings:
        raise RecordError("; ".join(findings), source=name, record=record)
    return doc


def _lone_surrogate(value: Any, path: str = "") -> str | None:
    """The path of the first key or string that holds a lone surrogate, else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return (path or "(top level)").encode("utf-8", "backslashreplace").decode()
        return None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if (found := _lone_surrogate(str(key), here) or _lone_surrogate(item, here)) is not None:
            return found
    return None


def read_file(path: Path, name: str) -> Iterator[Item]:
    """The trial, addition or evidence record in one curated file."""
    return read_whole(path, name, read_bytes)


def read_bytes(data: bytes, name: str) -> Iterator[Item]:
    """The trial, addition or evidence record in one curated YAML document."""
    try:
        doc = parse_document(data, name)
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
    """A validated evidence document as a :class:`~trialkg.model.results.Evidence`."""
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
