"""The controlled values of the ontology's enumerations, and what to do with any other value.

Each enumeration of ``ontology/trialkg.ttl`` (a class closed with ``owl:oneOf``) is listed
here by the prefix of its individuals' names (``tkg:phase_PHASE2``); a test keeps the two in
step. A value outside its enumeration is never minted into an IRI: the mapping keeps it as a
text literal (so nothing is lost), reading it warns once naming the file, record, field path
and value, and ``trialkg validate`` reports it (the SHACL shapes close each enumeration with
``sh:in``).

>>> is_known("phase", "PHASE2"), is_known("phase", "PHASE5")
(True, False)
"""

from __future__ import annotations

import re

__all__ = ["ENUMERATIONS", "FIELDS", "code", "is_known", "unknown_values"]

#: prefix of the individuals -> API v2 codes of the enumeration.
ENUMERATIONS: dict[str, frozenset[str]] = {
    "phase": frozenset({"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"}),
    "status": frozenset({
        "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
        "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE",
        "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING",
        "WITHHELD", "UNKNOWN",
    }),
    "studyType": frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"}),
    "allocation": frozenset({"RANDOMIZED", "NON_RANDOMIZED", "NA"}),
    "interventionModel": frozenset({
        "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL",
    }),
    "masking": frozenset({"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"}),
    "purpose": frozenset({
        "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
        "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    }),
    "actuality": frozenset({"ACTUAL", "ESTIMATED"}),
}

#: Study attribute -> (enumeration, its field path in API v2 JSON, in legacy XML).
FIELDS: dict[str, tuple[str, str, str]] = {
    "phases": ("phase", "protocolSection.designModule.phases", "phase"),
    "overall_status": ("status", "protocolSection.statusModule.overallStatus",
                       "overall_status"),
    "last_known_status": ("status", "protocolSection.statusModule.lastKnownStatus",
                          "last_known_status"),
    "study_type": ("studyType", "protocolSection.designModule.studyType", "study_type"),
    "allocation": ("allocation", "protocolSection.designModule.designInfo.allocation",
                   "study_design_info/allocation"),
    "intervention_model": ("interventionModel",
                           "protocolSection.designModule.designInfo.interventionModel",
                           "study_design_info/intervention_model"),
    "masking": ("masking", "protocolSection.designModule.designInfo.maskingInfo.masking",
                "study_design_info/masking"),
    "primary_purpose": ("purpose", "protocolSection.designModule.designInfo.primaryPurpose",
                        "study_design_info/primary_purpose"),
}


_CODE_RE = re.compile(r"[^A-Z0-9_]+")


def code(value: str) -> str:
    """An enumeration value as an API v2 code: ``Phase 2`` -> ``PHASE_2``, ``N/A`` -> ``NA``."""
    return _CODE_RE.sub("_", value.strip().upper().replace("/", "")).strip("_") or "UNKNOWN"


def is_known(enumeration: str, code: str) -> bool:
    """Whether ``code`` is one of the enumeration's controlled values."""
    return code in ENUMERATIONS.get(enumeration, frozenset())


def unknown_values(study: object, source_format: str) -> list[tuple[str, str, str]]:
    """``(field path, value, enumeration)`` for every value of the study outside its
    enumeration; the path is spelled as in ``source_format`` (``ctgov-json``, ``ctgov-xml``,
    anything else: the API v2 path)."""
    out = []
    for attr, (enumeration, json_path, xml_path) in FIELDS.items():
        value = getattr(study, attr, None)
        values = value if isinstance(value, list) else [value] if value else []
        path = xml_path if source_format == "ctgov-xml" else json_path
        for v in values:
            if not is_known(enumeration, code(v)):
                out.append((path, str(v), enumeration))
    return out
