"""Legacy ClinicalTrials.gov XML (``<clinical_study>``) → :class:`~trialkg.model.Study`.

The format of the AllPublicXML snapshots and of the retired ``/show/NCT…?displayxml=true``
pages. Values are translated to API v2 codes (``Phase 1/Phase 2`` → ``PHASE1, PHASE2``,
``None (Open Label)`` → ``NONE``) so an XML record and its JSON record map alike.

Versions: ``study.version`` stays empty for XML. The legacy dates are not monotonic between
captures (edited or re-downloaded copies of a record carry older ``lastchanged_date`` and
``download_date`` values than the record they update), so an XML record ingested after
another one with the same NCT id replaces it when its content differs and is skipped when
identical (the store's digest decides). The registry's data date is kept as
``last_update_posted`` (``lastchanged_date`` in records of the pre-2017 schema).

Parsing is safe: documents that declare entities are refused, and the standard library's
parser never fetches external resources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

from trialkg.exceptions import InputFormatError, RecordError, shown
from trialkg.iris import is_nct_id
from trialkg.model import (
    Arm,
    DatePoint,
    Eligibility,
    Intervention,
    MeshTerm,
    Official,
    Organization,
    Outcome,
    Reference,
    SecondaryId,
    Site,
    Study,
)
from trialkg.sources.ctgov_xml_results import parse_clinical_results
from trialkg.sources.files import read_whole

__all__ = ["enum_code", "parse_date", "parse_study", "read_bytes", "read_file", "textblock"]

Item = Study | RecordError

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
_DATE_RE = re.compile(r"^([A-Za-z]+)\s+(?:(\d{1,2}),\s*)?(\d{4})$")

#: Values whose API v2 code is not the upper-cased text.
_SPECIAL: dict[str, str] = {
    "N/A": "NA",
    "UNKNOWN STATUS": "UNKNOWN",
    "SINGLE GROUP ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL ASSIGNMENT": "PARALLEL",
    "CROSSOVER ASSIGNMENT": "CROSSOVER",
    "FACTORIAL ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL ASSIGNMENT": "SEQUENTIAL",
    "U.S. FED": "FED",
    "OTHER U.S. FEDERAL AGENCY": "FED",
    "BOTH": "ALL",
    "SUBJECT": "PARTICIPANT",
    "ESTIMATE": "ESTIMATED",
    "OPEN LABEL": "NONE",
    "OBSERVATIONAL [PATIENT REGISTRY]": "OBSERVATIONAL",
}


def enum_code(value: str) -> str:
    """An XML enumeration value as its API v2 code.

    >>> enum_code("Active, not recruiting")
    'ACTIVE_NOT_RECRUITING'
    >>> enum_code("Single Group Assignment"), enum_code("Early Phase 1"), enum_code("N/A")
    ('SINGLE_GROUP', 'EARLY_PHASE1', 'NA')
    """
    text = " ".join(value.split()).upper()
    if text in _SPECIAL:
        return _SPECIAL[text]
    text = re.sub(r"PHASE (\d)", r"PHASE\1", text)
    return re.sub(r"[^A-Z0-9]+", "_", text).strip("_")


def parse_date(text: str | None, kind: str | None = None) -> DatePoint | None:
    """``January 2004`` → ``2004-01``; ``September 12, 2004`` → ``2004-09-12``.

    >>> parse_date("September 12, 2004", "Actual")
    DatePoint(value='2004-09-12', kind='ACTUAL')
    >>> parse_date("January 2004")
    DatePoint(value='2004-01', kind=None)

    :raises RecordError: when the text is not a date in either form.
    """
    if not text:
        return None
    m = _DATE_RE.match(" ".join(text.split()))
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if m is None or month is None:
        raise RecordError(f"not a date: {shown(text)}")
    value = f"{m.group(3)}-{month:02d}"
    if m.group(2):
        value += f"-{int(m.group(2)):02d}"
    return DatePoint(value, enum_code(kind) if kind else None)


def textblock(text: str | None) -> str | None:
    """A textblock with its layout whitespace removed: paragraphs joined by one blank line.

    >>> textblock("\\n  RATIONALE: stop\\n  growth.\\n\\n  PURPOSE: x  \\n")
    'RATIONALE: stop growth.\\n\\nPURPOSE: x'
    """
    if text is None:
        return None
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    out = "\n\n".join(p for p in paragraphs if p)
    return out or None


def read_file(path: Path, name: str) -> Iterator[Item]:
    """The study in one XML file (one ``<clinical_study>`` per file)."""
    return read_whole(path, name, read_bytes)


def read_bytes(data: bytes, name: str) -> Iterator[Item]:
    """The study in one XML document, or the error that replaces it."""
    head = data[:4096]
    if b"<!ENTITY" in head or b"<!entity" in head:
        yield InputFormatError("XML with entity declarations is refused (unsafe)", source=name)
        return
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        what = "not XML" if not data.lstrip().startswith(b"<") else "malformed XML (truncated?)"
        yield InputFormatError(f"{what}: {exc}", source=name)
        return
    if root.tag != "clinical_study":
        yield InputFormatError(
            f"root element <{root.tag}> is not <clinical_study>: not a ClinicalTrials.gov "
            "legacy XML record", source=name)
        return
    nct = _text(root, "id_info/nct_id") or ""
    try:
        study = parse_study(root)
    except RecordError as exc:
        exc.source = name
        exc.record = nct if len(nct) <= 40 else ""  # no 1 MB "ids"
        yield exc
        return
    study.source = name
    study.record = nct
    yield study


def _text(el: ET.Element, path: str) -> str | None:
    found = el.find(path)
    if found is None or found.text is None:
        return None
    text = " ".join(found.text.split())
    return text or None


def _texts(el: ET.Element, path: str) -> list[str]:
    return [t for f in el.findall(path) if f.text and (t := " ".join(f.text.split()))]


def _code(el: ET.Element, path: str) -> str | None:
    value = _text(el, path)
    return enum_code(value) if value else None


def _date(el: ET.Element, path: str) -> DatePoint | None:
    found = el.find(path)
    if found is None or not (found.text or "").strip():
        return None
    try:
        return parse_date(found.text, found.get("type"))
    except RecordError as exc:
        raise RecordError(f"field {path}: {exc.message}") from None


def _org(el: ET.Element | None) -> Organization | None:
    if el is None:
        return None
    name = _text(el, "agency")
    return Organization(name, _code(el, "agency_class")) if name else None


def parse_study(root: ET.Element) -> Study:
    """Map one ``<clinical_study>`` element to the record model.

    :raises RecordError: no NCT id, or a field that cannot be read (a bad date).
    """
    nct = _text(root, "id_info/nct_id")
    if not nct:
        raise RecordError("record has no NCT id (id_info/nct_id)")
    if not is_nct_id(nct):
        raise RecordError(f"not an NCT id: {shown(nct)}")
    s = Study(trial_id=nct, source_format="ctgov-xml")
    s.org_study_id = _text(root, "id_info/org_study_id")
    s.secondary_ids = [SecondaryId(x) for x in _texts(root, "id_info/secondary_id")]
    s.brief_title = _text(root, "brief_title")
    s.official_title = _text(root, "official_title")
    s.acronym = _text(root, "acronym")

    s.lead_sponsor = _org(root.find("sponsors/lead_sponsor"))
    s.collaborators = [
        org for c in root.findall("sponsors/collaborator") if (org := _org(c))
    ]
    party = root.find("responsible_party")
    if party is not None:
        s.responsible_party_type = _code(party, "responsible_party_type")
        s.responsible_party_name = _text(party, "investigator_full_name") or _text(
            party, "name_title")

    s.brief_summary = textblock(_raw(root, "brief_summary/textblock"))
    s.detailed_description = textblock(_raw(root, "detailed_description/textblock"))

    s.overall_status = _code(root, "overall_status")
    s.last_known_status = _code(root, "last_known_status")
    s.why_stopped = _text(root, "why_stopped")
    verified = _date(root, "verification_date")
    s.status_verified = verified.value if verified else None
    s.start = _date(root, "start_date")
    s.primary_completion = _date(root, "primary_completion_date")
    s.completion = _date(root, "completion_date")
    s.first_posted = _date(root, "study_first_posted") or _date(root, "firstreceived_date")
    s.last_update_posted = _date(root, "last_update_posted") or _date(root, "lastchanged_date")
    s.results_first_posted = _date(root, "results_first_posted")

    _design(root, s)
    enrollment = root.find("enrollment")
    if enrollment is not None and (enrollment.text or "").strip():
        try:
            s.enrollment = int((enrollment.text or "").strip())
        except ValueError:
            raise RecordError(
                f"field enrollment: not a whole number: {shown(enrollment.text)}") from None
        kind = enrollment.get("type")
        s.enrollment_type = enum_code(kind) if kind else None
    s.conditions = _texts(root, "condition")
    s.keywords = _texts(root, "keyword")

    s.arms = [
        Arm(label, _code(a, "arm_group_type"), textblock(_raw(a, "description")))
        for a in root.findall("arm_group")
        if (label := _text(a, "arm_group_label"))
    ]
    s.interventions = [
        Intervention(
            name=iname,
            type=_code(i, "intervention_type"),
            description=textblock(_raw(i, "description")),
            other_names=_texts(i, "other_name"),
            arm_labels=_texts(i, "arm_group_label"),
        )
        for i in root.findall("intervention")
        if (iname := _text(i, "intervention_name"))
    ]
    for kind in ("primary", "secondary", "other"):
        for o in root.findall(f"{kind}_outcome"):
            if measure := _text(o, "measure"):
                s.outcomes.append(Outcome(kind, measure, textblock(_raw(o, "description")),
                                          _text(o, "time_frame")))
    s.eligibility = _eligibility(root.find("eligibility"))
    s.sites = [_site(loc) for loc in root.findall("location")]
    s.officials = [
        Official(oname, _text(o, "affiliation"), _code(o, "role"))
        for o in root.findall("overall_official")
        if (oname := _text(o, "last_name"))
    ]
    for tag, ref_type in (("reference", "BACKGROUND"), ("results_reference", "RESULT")):
        s.references.extend(
            Reference(_text(r, "PMID"), _text(r, "citation"), ref_type)
            for r in root.findall(tag)
            if _text(r, "PMID") or _text(r, "citation")
        )
    s.condition_mesh = _browse(root, "condition_browse")
    s.intervention_mesh = _browse(root, "intervention_browse")

    # --- results: connected by the lead once the results branch is merged -------------
    results_el = root.find("clinical_results")
    if results_el is not None:
        s.results = parse_clinical_results(results_el)
        s.has_results = True
    return s


def _raw(el: ET.Element, path: str) -> str | None:
    found = el.find(path)
    return None if found is None else found.text


def _design(root: ET.Element, s: Study) -> None:
    s.study_type = _code(root, "study_type")
    phase = _text(root, "phase")
    if phase:
        # "Phase 1/Phase 2" is two phases; "N/A" is one value (not applicable), not N and A
        whole = enum_code(phase)
        s.phases = [whole] if whole == "NA" else [
            enum_code(p) for p in phase.split("/") if p.strip()]
    info = root.find("study_design_info")
    fields: dict[str, str] = {}
    if info is not None:
        for tag in ("allocation", "intervention_model", "primary_purpose", "masking"):
            if value := _text(info, tag):
                fields[tag] = value
    elif legacy := _text(root, "study_design"):  # pre-2017: "Allocation: X, Masking: Y, ..."
        for key, value in re.findall(r"([A-Z][A-Za-z ]+):\s*([^:]+?)(?=,\s*[A-Z][A-Za-z ]+:|$)",
                                     legacy):
            fields[key.strip().lower().replace(" ", "_")] = value.strip()
    if "allocation" in fields:
        s.allocation = enum_code(fields["allocation"])
    if "intervention_model" in fields:
        s.intervention_model = enum_code(fields["intervention_model"])
    if "primary_purpose" in fields:
        s.primary_purpose = enum_code(fields["primary_purpose"])
    if masking := fields.get("masking"):
        head, _, who = masking.partition("(")
        s.masking = enum_code(head.replace("Blind", ""))
        if s.masking != "NONE":
            s.who_masked = [enum_code(w) for w in who.rstrip(")").split(",") if w.strip()]


def _eligibility(el: ET.Element | None) -> Eligibility | None:
    if el is None:
        return None
    volunteers = _text(el, "healthy_volunteers")
    gender = el.find("gender_based")
    return Eligibility(
        criteria=textblock(_raw(el, "criteria/textblock")),
        sex=_code(el, "gender"),
        gender_based=None if gender is None else (gender.text or "").strip() == "Yes",
        minimum_age=_age(_text(el, "minimum_age")),
        maximum_age=_age(_text(el, "maximum_age")),
        healthy_volunteers=None if volunteers is None else volunteers.lower() != "no",
        study_population=textblock(_raw(el, "study_pop/textblock")),
        sampling_method=_code(el, "sampling_method"),
    )


def _age(value: str | None) -> str | None:
    return None if value is None or value.upper() == "N/A" else value


def _site(loc: ET.Element) -> Site:
    return Site(
        facility=_text(loc, "facility/name"),
        city=_text(loc, "facility/address/city"),
        state=_text(loc, "facility/address/state"),
        zip=_text(loc, "facility/address/zip"),
        country=_text(loc, "facility/address/country"),
        status=_code(loc, "status"),
    )


def _browse(root: ET.Element, tag: str) -> list[MeshTerm]:
    """The registry's browse headings linked to MeSH UIs (names only in XML)."""
    from trialkg.sources.mesh_names import resolve_heading

    out: list[MeshTerm] = []
    seen: set[str] = set()
    for name in _texts(root, f"{tag}/mesh_term"):
        term = resolve_heading(name)
        if term is not None and term.ui not in seen:
            seen.add(term.ui)
            out.append(term)
    return out
