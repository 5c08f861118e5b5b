"""ClinicalTrials.gov API v2 JSON → :class:`~trialkg.model.Study`.

Reads what users actually have: one study object; the website download (a JSON array); an
API page (``{"studies": [...], "nextPageToken": ...}``); JSON Lines; and the bulk download
zip (``ctg-studies.json.zip``, one JSON file per study) read member by member, never whole.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from trialkg.exceptions import InputFormatError, RecordError, shown
from trialkg.iris import is_nct_id, normalise_mesh_id
from trialkg.model import (
    Arm,
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
from trialkg.sources.ctgov_json_reader import JsonReader
from trialkg.sources.ctgov_json_results import parse_results
from trialkg.sources.files import read_whole
from trialkg.sources.zip_members import ZipMembers

__all__ = ["parse_study", "read_bytes", "read_file", "study_or_error"]

Item = Study | RecordError


def read_file(path: Path, name: str) -> Iterator[Item]:
    """Every study in one file (JSON, JSON Lines or zip of JSON files)."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        yield from _read_zip(path, name)
        return
    if suffix in (".jsonl", ".ndjson"):
        yield from _read_lines(path, name)
        return
    if _is_huge_array(path):
        yield from _read_huge_array(path, name)
        return
    yield from read_whole(path, name, read_bytes)


def _read_lines(path: Path, name: str) -> Iterator[Item]:
    """JSON Lines, one line in memory at a time."""
    try:
        with open(path, "rb") as handle:
            for lineno, line in enumerate(handle, start=1):
                if line.strip():
                    yield from read_bytes(line, name, where=f"line {lineno}")
    except OSError as exc:
        yield InputFormatError(f"cannot read: {exc.strerror or exc}", source=name)


def _is_huge_array(path: Path) -> bool:
    from trialkg.sources.json_stream import STREAM_FROM_BYTES, starts_with_array

    try:
        return path.stat().st_size >= STREAM_FROM_BYTES and starts_with_array(path)
    except OSError:
        return False


def _read_huge_array(path: Path, name: str) -> Iterator[Item]:
    """A top-level array too big to parse whole, one element at a time."""
    from trialkg.sources.json_stream import MalformedArray, iter_array_elements

    try:
        for i, element in enumerate(iter_array_elements(path)):
            try:
                obj = orjson.loads(element)
            except orjson.JSONDecodeError as exc:
                yield InputFormatError(f"malformed JSON: {exc}", source=name, record=f"#{i}")
                continue
            yield study_or_error(obj, name, f"#{i}")
    except MalformedArray as exc:
        yield InputFormatError(f"malformed JSON: {exc}", source=name)
    except OSError as exc:
        yield InputFormatError(f"cannot read: {exc.strerror or exc}", source=name)


def _read_zip(path: Path, name: str) -> Iterator[Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield InputFormatError(f"not a readable zip archive (truncated or corrupt?): {exc}",
                               source=name)
        return
    with archive:
        members = ZipMembers(archive, ".json")  # 70 bytes a member, not ZipFile's 650
        for member in members:
            where = f"{name}!{member.filename}"
            try:
                data = members.read(member)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield InputFormatError(f"cannot read member (truncated archive?): {exc}",
                                       source=where)
                continue
            yield from read_bytes(data, where)


def _why_not_json(data: bytes, exc: Exception) -> str:
    """orjson's reason, or, for bytes that are not UTF-8 text (orjson then speaks of
    "surrogates"), where the first bad byte is."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return (f"the file is not UTF-8 text (byte 0x{data[bad.start]:02x} at offset "
                f"{bad.start:,}); is it a JSON file?")
    return str(exc)


def read_bytes(data: bytes, name: str, where: str = "") -> Iterator[Item]:
    """Every study in one JSON document of any container shape."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        head = data.lstrip()[:1]
        what = "not JSON" if head not in (b"{", b"[") else "malformed JSON"
        yield InputFormatError(f"{what}: {_why_not_json(data, exc)}", source=name, record=where)
        return
    prefix = f"{where} " if where else ""
    if isinstance(doc, list):
        for i, obj in enumerate(doc):
            yield study_or_error(obj, name, f"{prefix}#{i}")
    elif isinstance(doc, dict):
        if "FullStudiesResponse" in doc or "StudyFieldsResponse" in doc:
            yield InputFormatError(
                "this is the retired ClinicalTrials.gov API v1 format; download the records "
                "again from API v2 (https://clinicaltrials.gov/data-api/api)",
                source=name, record=where,
            )
        elif "studies" in doc:
            studies = doc["studies"]
            if not isinstance(studies, list):
                yield InputFormatError('"studies" is not a list', source=name, record=where)
                return
            for i, obj in enumerate(studies):
                yield study_or_error(obj, name, f"{prefix}studies[{i}]")
        else:
            yield study_or_error(doc, name, where)
    else:
        yield InputFormatError("expected a study object or a list of studies",
                               source=name, record=where)


def study_or_error(obj: Any, name: str, where: str) -> Item:
    """One parsed study object as a study, or the error naming ``name`` and ``where``."""
    try:
        study = parse_study(obj)
    except RecordError as exc:
        exc.source = name
        nct = _peek_nct(obj)
        exc.record = f"{where} {nct}".strip() if nct else where
        return exc
    study.source = name
    study.record = where
    return study


def _peek_nct(obj: Any) -> str:
    try:
        value = obj["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError, IndexError):
        return ""
    return value if isinstance(value, str) and len(value) <= 40 else ""  # no 1 MB "ids"


def parse_study(obj: Any) -> Study:
    """Map one API v2 study object to the record model.

    :raises RecordError: when the object is not a v2 study or a field has the wrong type.
    """
    if not isinstance(obj, dict):
        raise RecordError(f"expected a study object, got {type(obj).__name__}")
    protocol = obj.get("protocolSection")
    if isinstance(protocol, list):
        raise RecordError(
            "every value is boxed in a one-element list (an R/jsonlite export?); "
            "re-export with auto_unbox=TRUE"
        )
    if protocol is None:
        if any(k[:1].isupper() for k in obj):
            raise RecordError("capitalised keys: the retired API v1 format; use API v2 records")
        raise RecordError("no protocolSection: not a ClinicalTrials.gov API v2 study")
    root = JsonReader(obj, "")
    ps = root.sub("protocolSection")
    ident = ps.sub("identificationModule")
    nct = ident.text("nctId")
    if not nct:
        raise RecordError("record has no NCT id (protocolSection.identificationModule.nctId)")
    if not is_nct_id(nct):
        raise RecordError(f"not an NCT id: {shown(nct)}")
    derived = root.sub("derivedSection")
    study = Study(trial_id=nct, source_format="ctgov-json")
    study.version = derived.sub("miscInfoModule").text("versionHolder")

    study.org_study_id = ident.sub("orgStudyIdInfo").text("id")
    study.secondary_ids = [
        SecondaryId(sid, s.text("type"), s.text("domain"))
        for s in ident.items("secondaryIdInfos")
        if (sid := s.text("id"))
    ]
    study.brief_title = ident.text("briefTitle")
    study.official_title = ident.text("officialTitle")
    study.acronym = ident.text("acronym")
    study.organization = _org(ident.sub("organization"), "fullName")

    status = ps.sub("statusModule")
    study.overall_status = status.text("overallStatus")
    study.last_known_status = status.text("lastKnownStatus")
    study.why_stopped = status.text("whyStopped")
    study.status_verified = status.text("statusVerifiedDate")
    study.start = status.date("startDateStruct")
    study.primary_completion = status.date("primaryCompletionDateStruct")
    study.completion = status.date("completionDateStruct")
    study.first_posted = status.date("studyFirstPostDateStruct")
    study.last_update_posted = status.date("lastUpdatePostDateStruct")
    study.results_first_posted = status.date("resultsFirstPostDateStruct")

    sponsors = ps.sub("sponsorCollaboratorsModule")
    study.lead_sponsor = _org(sponsors.sub("leadSponsor"), "name")
    study.collaborators = [o for c in sponsors.items("collaborators") if (o := _org(c, "name"))]
    party = sponsors.sub("responsibleParty")
    study.responsible_party_type = party.text("type")
    study.responsible_party_name = party.text("investigatorFullName") or party.text(
        "oldNameTitle"
    )

    desc = ps.sub("descriptionModule")
    study.brief_summary = desc.text("briefSummary")
    study.detailed_description = desc.text("detailedDescription")

    conds = ps.sub("conditionsModule")
    study.conditions = conds.texts("conditions")
    study.keywords = conds.texts("keywords")

    design = ps.sub("designModule")
    study.study_type = design.text("studyType")
    study.phases = design.texts("phases")
    info = design.sub("designInfo")
    study.allocation = info.text("allocation")
    study.intervention_model = info.text("interventionModel")
    study.primary_purpose = info.text("primaryPurpose")
    masking = info.sub("maskingInfo")
    study.masking = masking.text("masking")
    study.who_masked = masking.texts("whoMasked")
    enrollment = design.sub("enrollmentInfo")
    study.enrollment = enrollment.integer("count")
    study.enrollment_type = enrollment.text("type")

    arms = ps.sub("armsInterventionsModule")
    study.arms = [
        Arm(label, a.text("type"), a.text("description"))
        for a in arms.items("armGroups")
        if (label := a.text("label"))
    ]
    study.interventions = [
        Intervention(
            name=iname,
            type=i.text("type"),
            description=i.text("description"),
            other_names=i.texts("otherNames"),
            arm_labels=i.texts("armGroupLabels"),
        )
        for i in arms.items("interventions")
        if (iname := i.text("name"))
    ]

    outcomes = ps.sub("outcomesModule")
    for kind in ("primary", "secondary", "other"):
        for entry in outcomes.items(f"{kind}Outcomes"):
            measure = entry.text("measure")
            if measure:
                study.outcomes.append(
                    Outcome(kind, measure, entry.text("description"), entry.text("timeFrame"))
                )

    elig = ps.sub("eligibilityModule")
    if elig.obj:
        study.eligibility = Eligibility(
            criteria=elig.text("eligibilityCriteria"),
            sex=elig.text("sex"),
            gender_based=elig.flag("genderBased"),
            minimum_age=elig.text("minimumAge"),
            maximum_age=elig.text("maximumAge"),
            std_ages=elig.texts("stdAges"),
            healthy_volunteers=elig.flag("healthyVolunteers"),
            study_population=elig.text("studyPopulation"),
            sampling_method=elig.text("samplingMethod"),
        )

    contacts = ps.sub("contactsLocationsModule")
    for loc in contacts.items("locations"):
        geo = loc.sub("geoPoint")
        study.sites.append(
            Site(
                facility=loc.text("facility"),
                city=loc.text("city"),
                state=loc.text("state"),
                zip=loc.text("zip"),
                country=loc.text("country"),
                status=loc.text("status"),
                lat=geo.number("lat"),
                lon=geo.number("lon"),
            )
        )
    study.officials = [
        Official(oname, o.text("affiliation"), o.text("role"))
        for o in contacts.items("overallOfficials")
        if (oname := o.text("name"))
    ]
    study.references = [
        Reference(r.text("pmid"), r.text("citation"), r.text("type"))
        for r in ps.sub("referencesModule").items("references")
        if r.text("pmid") or r.text("citation")
    ]

    cb = derived.sub("conditionBrowseModule")
    study.condition_mesh = _meshes(cb, "meshes")
    study.condition_mesh_ancestors = _meshes(cb, "ancestors")
    ib = derived.sub("interventionBrowseModule")
    study.intervention_mesh = _meshes(ib, "meshes")
    study.intervention_mesh_ancestors = _meshes(ib, "ancestors")

    has_results = root.flag("hasResults")
    study.has_results = bool(has_results) or bool(obj.get("resultsSection"))
    study.results = parse_results(root.sub("resultsSection"))
    return study


def _org(reader: JsonReader, key: str) -> Organization | None:
    name = reader.text(key)
    return Organization(name, reader.text("class")) if name else None


def _meshes(browse: JsonReader, key: str) -> list[MeshTerm]:
    """Direct MeSH terms (``meshes``) or ancestors, with the browse leaves' relevance."""
    relevance: dict[str, str] = {}
    as_found: dict[str, str] = {}
    for leaf in browse.items("browseLeaves"):
        leaf_name = leaf.text("name")
        if leaf_name:
            if rel := leaf.text("relevance"):
                relevance[leaf_name.lower()] = rel
            if found := leaf.text("asFound"):
                as_found[leaf_name.lower()] = found
    terms: list[MeshTerm] = []
    seen: set[str] = set()
    for m in browse.items(key):
        raw = m.text("id")
        if not raw:
            continue
        try:
            ui = normalise_mesh_id(raw)
        except ValueError as exc:
            raise RecordError(f"field {m.path}.id: {exc}") from None
        if ui in seen:
            continue
        seen.add(ui)
        term = m.text("term")
        key_name = (term or "").lower()
        terms.append(
            MeshTerm(
                ui=ui,
                term=term,
                method="record",
                matched_text=as_found.get(key_name),
                relevance=relevance.get(key_name),
            )
        )
    return terms
