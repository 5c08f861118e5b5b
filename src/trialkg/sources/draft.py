"""Curated-record drafts from the text of a trial page, for a person to check and complete.

Reads the layouts of the classic and the newer ClinicalTrials.gov pages, third-party
registry pages and Cancer Research UK summaries: label/value pairs on one line
(``Status Completed``), across lines (``- Status`` / ``- COMPLETED``) or in table cells
(``Actual Enrollment : | 40 participants``). Every value found is a suggestion; the fields
not found are listed. Text that is no trial page gives an empty draft.

>>> d = draft_from_text("A trial\\nNCT number NCT00122473\\nStatus Completed\\nPhase Phase 2")
>>> d.fields["trial_id"], d.fields["status"], d.fields["phases"]
('NCT00122473', 'COMPLETED', ['PHASE2'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trialkg.exceptions import RecordError
from trialkg.sources.ctgov_xml import enum_code, parse_date

__all__ = ["DRAFT_FIELDS", "Draft", "draft_from_text", "render_yaml"]

#: The fields a draft looks for, in output order.
DRAFT_FIELDS = ("trial_id", "title", "status", "phases", "start", "completion", "sponsor",
                "supporters", "chief_investigator", "conditions", "interventions",
                "enrollment", "outcomes", "eligibility", "sites")

_STATUSES = {"NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION",
             "ACTIVE_NOT_RECRUITING", "SUSPENDED", "TERMINATED", "COMPLETED", "WITHDRAWN",
             "UNKNOWN"}
_BOILERPLATE = re.compile(r"logo|^clinical trial summary$|^!\[", re.I)
_DATE = r"([A-Z][a-z]+ (?:\d{1,2}, )?\d{4})"
_SEP = r"\s*[:|\-]?\s*(?:\|\s*)?\n?\s*-?\s*(?:\|\s*)?"  # ': |', newline, '- ' between label/value


@dataclass
class Draft:
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [f for f in DRAFT_FIELDS if f not in self.fields]

    @property
    def found_trial(self) -> bool:
        return "trial_id" in self.fields


def _first(text: str, *patterns: str, flags: int = re.M) -> str | None:
    for pattern in patterns:
        m = re.search(pattern, text, flags)
        if m:
            return " ".join(m.group(1).split()).strip(" |")
    return None


def _date(text: str, label: str) -> str | None:
    value = _first(text, rf"{label}{_SEP}{_DATE}", flags=re.M | re.I)
    try:
        point = parse_date(value) if value else None
    except RecordError:
        return None
    return point.value if point else None


def _phases(text: str) -> list[str]:
    value = _first(
        text,
        r"^\s*-?\s*Phase\s*:?\s*\n+\s*-?\s*((?:Early )?Phase \d(?:\s*/\s*Phase \d)?)",
        r"^Phase\s+((?:Early )?Phase \d(?:\s*/\s*Phase \d)?)\s*$",
        r"\|\s*((?:Phase \d\s*)+)\|",
    )
    return [enum_code(p) for p in re.findall(r"(?:Early )?Phase \d", value)] if value else []


def _lines_after(text: str, label: str, stop: str) -> list[str]:
    m = re.search(rf"^{label}\s*$\n((?:.*\n)*?)(?=^(?:{stop})|\Z)", text, re.M)
    if not m:
        return []
    return [" ".join(x.split()) for x in m.group(1).splitlines() if x.strip()]


def draft_from_text(text: str) -> Draft:
    """Every field the page text states (see :data:`DRAFT_FIELDS`)."""
    d = Draft()
    f = d.fields
    nct = _first(text, r"\b(NCT\d{8})\b")
    other = re.search(r"\((EORTC) (\d+)\)", text)
    if nct:
        f["trial_id"] = nct
    elif other:
        f["trial_id"] = f"{other.group(1)}-{other.group(2)}"
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    title = next((x for x in lines if not _BOILERPLATE.search(x)), None)
    if title and "trial_id" in f and len(title) > 15 and not title.endswith("."):
        f["title"] = title
    status = _first(text, rf"(?:Recruitment )?Status{_SEP}([A-Za-z ,]+?)\s*$", flags=re.M)
    if status and enum_code(status) in _STATUSES:
        f["status"] = enum_code(status)
    if phases := _phases(text):
        f["phases"] = phases
    for key, label in (("start", r"(?:Study )?Start [Dd]ate"),
                       ("completion", r"(?<![Pp]rimary )(?:Study )?Completion [Dd]ate")):
        if value := _date(text, label):
            f[key] = value
    sponsor = _first(text, rf"^-?\s*Lead Sponsor{_SEP}(.+)$", r"^Sponsor\s*:?\s*\|?\s*(.+)$",
                     r"^Source ([A-Z].+)$")
    if sponsor:
        f["sponsor"] = sponsor
    if supporters := _lines_after(text, "Supported by", r"If you|Freephone|Last review"):
        f["supporters"] = supporters
    if chief := _lines_after(text, "Chief Investigator", r"Supported by|Freephone|If you"):
        f["chief_investigator"] = chief[0]
    row = re.search(r"^([^|\n]+)\|\s*((?:Drug|Biological|Procedure|Device|Radiation|Other):"
                    r"[^|]+)\|", text, re.M)
    if row:
        f["conditions"] = [row.group(1).strip()]
        f["interventions"] = [_intervention(row.group(2))]
    elif cancer := _lines_after(text, "Cancer type:", r"Status:"):
        f["conditions"] = cancer
    enrollment = _first(text, rf"(?:Actual |Estimated )?Enrollment{_SEP}(\d+)",
                        rf"Target Recruitment{_SEP}(\d+)", r"recruited (\d+) people",
                        flags=re.M | re.I)
    if enrollment:
        f["enrollment"] = int(enrollment)
    outcomes = re.findall(r"^-\s*(.+?)\s*\[\s*Time Frame:\s*(.+?)\s*\]", text, re.M)
    if outcomes:
        f["outcomes"] = [
            {"kind": "primary" if i == 0 else "secondary", "measure": m, "time_frame": t}
            for i, (m, t) in enumerate(outcomes)
        ]
    if eligibility := _eligibility(text):
        f["eligibility"] = eligibility
    if site := _site(text):
        f["sites"] = [site]
    return d


def _intervention(cell: str) -> dict[str, str]:
    kind, _, name = cell.partition(":")
    return {"name": " ".join(name.split()), "type": enum_code(kind)}


def _eligibility(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ages = re.search(r"Ages Eligible for Study:\s*\|?\s*(\d+ \w+)(?: to (\d+ \w+))?", text)
    if ages:
        out["minimum_age"] = ages.group(1)
        if ages.group(2):
            out["maximum_age"] = ages.group(2)
    elif young := re.search(r"Age\s*(?:≥|>=)\s*(\d+)\s*years", text, re.I):
        out["minimum_age"] = f"{young.group(1)} Years"
    sex = _first(text, rf"^-?\s*(?:Sexes Eligible for Study|Sex){_SEP}(All|Female|Male)\b")
    if sex:
        out["sex"] = sex.upper()
    volunteers = _first(text, r"Accepts Healthy Volunteers:\s*\|?\s*(Yes|No)\b")
    if volunteers:
        out["healthy_volunteers"] = volunteers == "Yes"
    return out


def _site(text: str) -> dict[str, str] | None:
    m = re.search(r"^-?\s*Locations? \(\d+\)\s*\n(.+)\n\W*([^,\n]+), (.+)$", text, re.M)
    if not m:
        return None
    city = re.sub(r"^[^\w]+", "", m.group(2)).strip()
    return {"facility": m.group(1).strip(), "city": city, "country": m.group(3).strip()}


def render_yaml(draft: Draft, page: str, today: str) -> str:
    """The draft as a curated-record YAML file with the missing fields listed on top."""
    import yaml

    head = [f"# Draft curated record from {page}: CHECK EVERY VALUE against the page.",
            "# Fill source.url (the page's address) before use; validate with",
            "# `trialkg ingest` or trialkg.sources.curated.validate."]
    if draft.missing:
        head.append("# Not found on the page (add by hand if the page states them):")
        head.extend(f"#   - {name}" for name in draft.missing)
    if "outcomes" in draft.fields:
        head.append("# Outcome kinds (primary/secondary) are guessed: check them.")
    doc: dict[str, Any] = {
        "record_type": "trial",
        "source": {"url": "", "retrieved": today},
    }
    doc.update({k: draft.fields[k] for k in DRAFT_FIELDS if k in draft.fields})
    body = str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100))
    return "\n".join(head) + "\n" + body
