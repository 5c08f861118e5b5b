"""Legacy ClinicalTrials.gov XML ``<clinical_results>`` → ``model.results.StudyResults``.

The XML importer calls :func:`parse_clinical_results` with the ``<clinical_results>`` element
of a ``<clinical_study>``. Values keep their text; enumerations the XML spells out
(``Count of Participants``, ``Standard Deviation``, ``2-Sided``) become API v2 codes
(``COUNT_OF_PARTICIPANTS``, ``STANDARD_DEVIATION``, ``TWO_SIDED``) so both formats give the
same model; unknown spellings are kept as given.

>>> import xml.etree.ElementTree as ET
>>> r = parse_clinical_results(ET.fromstring(
...     '<clinical_results><outcome_list><outcome><type>Primary</type><title>ORR</title>'
...     '<measure><title>ORR</title><units>Participants</units>'
...     '<param>Count of Participants</param><analyzed_list><analyzed>'
...     '<units>Participants</units><count_list><count group_id="O1" value="20"/>'
...     '</count_list></analyzed></analyzed_list><class_list><class><category_list>'
...     '<category><measurement_list><measurement group_id="O1" value="7"/>'
...     '</measurement_list></category></category_list></class></class_list></measure>'
...     '</outcome></outcome_list></clinical_results>'))
>>> o = r.outcomes[0]
>>> o.kind, o.param_type, o.measurements[0].value, o.measurements[0].denominator
('primary', 'COUNT_OF_PARTICIPANTS', '7', '20')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from trialkg.exceptions import RecordError
from trialkg.model.results import (
    AdverseEvent,
    AdverseEventCount,
    AdverseEvents,
    Analysis,
    Baseline,
    BaselineMeasure,
    FlowCount,
    Measurement,
    OutcomeResult,
    ParticipantFlow,
    ResultGroup,
    StudyResults,
)

__all__ = ["parse_clinical_results"]

_KINDS = {"primary": "primary", "secondary": "secondary", "other pre-specified": "other",
          "post-hoc": "post-hoc"}
_PARAMS = {
    "count of participants": "COUNT_OF_PARTICIPANTS",
    "count of units": "COUNT_OF_UNITS",
    "number": "NUMBER",
    "mean": "MEAN",
    "median": "MEDIAN",
    "least squares mean": "LEAST_SQUARES_MEAN",
    "geometric mean": "GEOMETRIC_MEAN",
    "geometric least squares mean": "GEOMETRIC_LEAST_SQUARES_MEAN",
    "log mean": "LOG_MEAN",
}
_DISPERSIONS = {
    "standard deviation": "STANDARD_DEVIATION",
    "standard error": "STANDARD_ERROR_OF_MEAN",
    "95% confidence interval": "CONFIDENCE_95",
    "90% confidence interval": "CONFIDENCE_90",
    "80% confidence interval": "CONFIDENCE_80",
    "full range": "FULL_RANGE",
    "inter-quartile range": "INTER_QUARTILE_RANGE",
    "geometric coefficient of variation": "GEOMETRIC_COEFFICIENT",
}
_NON_INFERIORITY = {
    "superiority": "SUPERIORITY",
    "superiority or other": "SUPERIORITY_OR_OTHER",
    "non-inferiority": "NON_INFERIORITY",
    "equivalence": "EQUIVALENCE",
    "non-inferiority or equivalence": "NON_INFERIORITY_OR_EQUIVALENCE",
    "other": "OTHER",
}
_SIDES = {"1-sided": "ONE_SIDED", "2-sided": "TWO_SIDED"}


def _text(parent: ET.Element, path: str) -> str | None:
    node = parent.find(path)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _attr(node: ET.Element, name: str) -> str | None:
    value = node.get(name)
    return value.strip() if value is not None and value.strip() else None


def _enum(table: dict[str, str], value: str | None) -> str | None:
    return table.get(value.casefold(), value) if value else value


def parse_clinical_results(element: ET.Element) -> StudyResults:
    """The results in one ``<clinical_results>`` element.

    :raises RecordError: when the element is not ``<clinical_results>``.
    """
    if element.tag != "clinical_results":
        raise RecordError(f"expected <clinical_results>, got <{element.tag}>")
    flow = element.find("participant_flow")
    baseline = element.find("baseline")
    events = element.find("reported_events")
    return StudyResults(
        outcomes=[_outcome(o) for o in element.iterfind("outcome_list/outcome")],
        flow=_flow(flow) if flow is not None else None,
        baseline=_baseline(baseline) if baseline is not None else None,
        adverse_events=_adverse_events(events) if events is not None else None,
    )


def _groups(parent: ET.Element) -> list[ResultGroup]:
    return [
        ResultGroup(gid, _text(g, "title") or gid, _text(g, "description"))
        for g in parent.iterfind("group_list/group")
        if (gid := _attr(g, "group_id"))
    ]


def _analyzed(parent: ET.Element) -> tuple[dict[str, str], str | None]:
    """Per-group numbers analysed, preferring those counted in participants."""
    lists = parent.findall("analyzed_list/analyzed")
    if not lists:
        return {}, None
    chosen = next(
        (a for a in lists if (_text(a, "units") or "").casefold() == "participants"), lists[0]
    )
    counts = {
        gid: value
        for c in chosen.iterfind("count_list/count")
        if (gid := _attr(c, "group_id")) and (value := _attr(c, "value")) is not None
    }
    return counts, _text(chosen, "units")


def _measurements(measure: ET.Element, denominators: dict[str, str]) -> list[Measurement]:
    out: list[Measurement] = []
    for cls in measure.iterfind("class_list/class"):
        class_title = _text(cls, "title")
        class_denoms, _units = _analyzed(cls)
        for cat in cls.iterfind("category_list/category"):
            category_title = _text(cat, "title")
            for m in cat.iterfind("measurement_list/measurement"):
                gid = _attr(m, "group_id")
                out.append(
                    Measurement(
                        group_id=gid,
                        value=_attr(m, "value"),
                        spread=_attr(m, "spread"),
                        lower=_attr(m, "lower_limit"),
                        upper=_attr(m, "upper_limit"),
                        comment=(m.text or "").strip() or None,
                        class_title=class_title,
                        category_title=category_title,
                        denominator=(class_denoms.get(gid) or denominators.get(gid))
                        if gid
                        else None,
                    )
                )
    return out


def _outcome(o: ET.Element) -> OutcomeResult:
    kind_text = _text(o, "type") or "Other Pre-specified"
    measure = o.find("measure")
    result = OutcomeResult(
        kind=_KINDS.get(kind_text.casefold(), kind_text.casefold()),
        title=_text(o, "title") or "(untitled outcome)",
        description=_text(o, "description"),
        time_frame=_text(o, "time_frame"),
        population=_text(o, "population"),
        groups=_groups(o),
    )
    if measure is None:  # the outcome was registered but its data were not posted
        return result
    denominators, units = _analyzed(measure)
    result.param_type = _enum(_PARAMS, _text(measure, "param"))
    result.dispersion_type = _enum(_DISPERSIONS, _text(measure, "dispersion"))
    result.unit = _text(measure, "units")
    result.population = result.population or _text(measure, "population")
    result.denominators = denominators
    result.denominator_units = units
    result.measurements = _measurements(measure, denominators)
    result.analyses = [_analysis(a) for a in o.iterfind("analysis_list/analysis")]
    return result


def _analysis(a: ET.Element) -> Analysis:
    return Analysis(
        group_ids=[gid for g in a.iterfind("group_id_list/group_id")
                   if (gid := (g.text or "").strip())],
        non_inferiority_type=_enum(_NON_INFERIORITY, _text(a, "non_inferiority_type")),
        p_value=_text(a, "p_value"),
        method=_text(a, "method"),
        param_type=_text(a, "param_type"),
        param_value=_text(a, "param_value"),
        ci_pct=_text(a, "ci_percent"),
        ci_sides=_enum(_SIDES, _text(a, "ci_n_sides")),
        ci_lower=_text(a, "ci_lower_limit"),
        ci_upper=_text(a, "ci_upper_limit"),
        description=_text(a, "groups_desc"),
        estimate_comment=_text(a, "estimate_desc"),
        dispersion_type=_text(a, "dispersion_type"),
        dispersion_value=_text(a, "dispersion_value"),
        p_value_comment=_text(a, "p_value_desc"),
        method_comment=_text(a, "method_desc"),
    )


def _flow(flow: ET.Element) -> ParticipantFlow:
    result = ParticipantFlow(
        groups=_groups(flow),
        recruitment_details=_text(flow, "recruitment_details"),
        pre_assignment_details=_text(flow, "pre_assignment_details"),
    )
    for n, period in enumerate(flow.iterfind("period_list/period"), start=1):
        title = _text(period, "title") or f"Period {n}"
        for kind, path in (("milestone", "milestone_list/milestone"),
                           ("withdrawal", "drop_withdraw_reason_list/drop_withdraw_reason")):
            for item in period.iterfind(path):
                label = _text(item, "title") or f"(unnamed {kind})"
                for p in item.iterfind("participants_list/participants"):
                    if gid := _attr(p, "group_id"):
                        result.counts.append(FlowCount(title, kind, label, gid,
                                                       _attr(p, "count"),
                                                       (p.text or "").strip() or None))
    return result


def _baseline(baseline: ET.Element) -> Baseline:
    denominators, _units = _analyzed(baseline)
    return Baseline(
        groups=_groups(baseline),
        denominators=denominators,
        measures=[
            BaselineMeasure(
                title=_text(m, "title") or "(untitled measure)",
                param_type=_enum(_PARAMS, _text(m, "param")),
                dispersion_type=_enum(_DISPERSIONS, _text(m, "dispersion")),
                unit=_text(m, "units"),
                measurements=_measurements(m, denominators),
                description=_text(m, "description"),
                population=_text(m, "population"),
            )
            for m in baseline.iterfind("measure_list/measure")
        ],
        population=_text(baseline, "population"),
    )


def _adverse_events(events: ET.Element) -> AdverseEvents:
    ae = AdverseEvents(
        time_frame=_text(events, "time_frame"),
        description=_text(events, "desc"),
        frequency_threshold=_text(events, "other_events/frequency_threshold"),
        groups=_groups(events),
    )
    for key, serious, totals in (("serious_events", True, ae.serious_totals),
                                 ("other_events", False, ae.other_totals)):
        section = events.find(key)
        if section is None:
            continue
        vocab = _text(section, "default_vocab")
        assessment = _text(section, "default_assessment")
        for category in section.iterfind("category_list/category"):
            organ = _text(category, "title")
            for ev in category.iterfind("event_list/event"):
                counts = [
                    AdverseEventCount(gid, _attr(c, "subjects_affected"),
                                      _attr(c, "subjects_at_risk"), _attr(c, "events"))
                    for c in ev.iterfind("counts")
                    if (gid := _attr(c, "group_id"))
                ]
                term = _text(ev, "sub_title") or "(unnamed event)"
                if organ == "Total" and term.startswith("Total"):
                    into = ae.deaths if "mortality" in term.casefold() else totals
                    into.extend(AdverseEventCount(c.group_id, c.affected, c.at_risk)
                                for c in counts)
                    continue
                sub = ev.find("sub_title")
                ae.events.append(
                    AdverseEvent(
                        term=term,
                        serious=serious,
                        organ_system=organ,
                        source_vocabulary=(_attr(sub, "vocab") if sub is not None else None)
                        or vocab,
                        counts=counts,
                        assessment_type=_text(ev, "assessment") or assessment,
                        description=_text(ev, "description"),
                    )
                )
    return ae
