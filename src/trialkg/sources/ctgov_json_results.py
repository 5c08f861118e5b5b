"""ClinicalTrials.gov API v2 ``resultsSection`` → :class:`~trialkg.model.results.StudyResults`.

Every value keeps the text the registry gives (``"91.7"``, ``"NA"``, ``"<0.001"``); counts the
registry sends as JSON numbers (adverse-event ``numAffected``) become their decimal text.
A field of the wrong type is a :class:`~trialkg.exceptions.RecordError` naming its path, as
in :mod:`trialkg.sources.ctgov_json`.
"""

from __future__ import annotations

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
from trialkg.sources.ctgov_json_reader import JsonReader

__all__ = ["parse_results"]

#: API v2 outcome types -> the model's kinds (the protocol outcomes' kinds).
_KINDS = {
    "PRIMARY": "primary",
    "SECONDARY": "secondary",
    "OTHER_PRE_SPECIFIED": "other",
    "POST_HOC": "post-hoc",
}


def parse_results(section: JsonReader) -> StudyResults | None:
    """The results of one study, or None when the record has no ``resultsSection``.

    :raises RecordError: when a field has the wrong type (the message names it).
    """
    if not section.obj:
        return None
    return StudyResults(
        outcomes=[
            _outcome(o) for o in section.sub("outcomeMeasuresModule").items("outcomeMeasures")
        ],
        flow=_flow(section.sub("participantFlowModule")),
        baseline=_baseline(section.sub("baselineCharacteristicsModule")),
        adverse_events=_adverse_events(section.sub("adverseEventsModule")),
    )


def _groups(reader: JsonReader, key: str = "groups") -> list[ResultGroup]:
    return [
        ResultGroup(gid, g.text("title") or gid, g.text("description"))
        for g in reader.items(key)
        if (gid := g.text("id"))
    ]


def _denoms(reader: JsonReader) -> tuple[dict[str, str], str | None]:
    """Per-group denominators, preferring the ones counted in participants."""
    denoms = reader.items("denoms")
    if not denoms:
        return {}, None
    chosen = next(
        (d for d in denoms if (d.text("units") or "").casefold() == "participants"), denoms[0]
    )
    counts = {
        gid: value
        for c in chosen.items("counts")
        if (gid := c.text("groupId")) and (value := c.text("value")) is not None
    }
    return counts, chosen.text("units")


def _measurements(reader: JsonReader, denominators: dict[str, str]) -> list[Measurement]:
    """Measurements of every class and category, each with its group's denominator."""
    out: list[Measurement] = []
    for cls in reader.items("classes"):
        class_title = cls.text("title")
        class_denoms, _units = _denoms(cls)
        for cat in cls.items("categories"):
            category_title = cat.text("title")
            for m in cat.items("measurements"):
                gid = m.text("groupId")
                out.append(
                    Measurement(
                        group_id=gid,
                        value=m.text("value"),
                        spread=m.text("spread"),
                        lower=m.text("lowerLimit"),
                        upper=m.text("upperLimit"),
                        comment=m.text("comment"),
                        class_title=class_title,
                        category_title=category_title,
                        denominator=(class_denoms.get(gid) or denominators.get(gid))
                        if gid
                        else None,
                    )
                )
    return out


def _outcome(o: JsonReader) -> OutcomeResult:
    kind_code = o.text("type") or "OTHER_PRE_SPECIFIED"
    denominators, units = _denoms(o)
    return OutcomeResult(
        kind=_KINDS.get(kind_code.upper(), kind_code.lower()),
        title=o.text("title") or "(untitled outcome)",
        description=o.text("description"),
        time_frame=o.text("timeFrame"),
        population=o.text("populationDescription"),
        param_type=o.text("paramType"),
        dispersion_type=o.text("dispersionType"),
        unit=o.text("unitOfMeasure"),
        groups=_groups(o),
        denominators=denominators,
        measurements=_measurements(o, denominators),
        analyses=[_analysis(a) for a in o.items("analyses")],
        denominator_units=units,
        reporting_status=o.text("reportingStatus"),
    )


def _analysis(a: JsonReader) -> Analysis:
    return Analysis(
        group_ids=a.texts("groupIds"),
        non_inferiority_type=a.text("nonInferiorityType"),
        p_value=a.text("pValue"),
        method=a.text("statisticalMethod"),
        param_type=a.text("paramType"),
        param_value=a.text("paramValue"),
        ci_pct=a.text("ciPctValue"),
        ci_sides=a.text("ciNumSides"),
        ci_lower=a.text("ciLowerLimit"),
        ci_upper=a.text("ciUpperLimit"),
        description=a.text("groupDescription"),
        estimate_comment=a.text("estimateComment"),
        dispersion_type=a.text("dispersionType"),
        dispersion_value=a.text("dispersionValue"),
        p_value_comment=a.text("pValueComment"),
        method_comment=a.text("statisticalComment"),
    )


def _flow(module: JsonReader) -> ParticipantFlow | None:
    if not module.obj:
        return None
    flow = ParticipantFlow(
        groups=_groups(module),
        recruitment_details=module.text("recruitmentDetails"),
        pre_assignment_details=module.text("preAssignmentDetails"),
    )
    for n, period in enumerate(module.items("periods"), start=1):
        title = period.text("title") or f"Period {n}"
        for milestone in period.items("milestones"):
            label = milestone.text("type") or "(unnamed milestone)"
            for a in milestone.items("achievements"):
                if gid := a.text("groupId"):
                    flow.counts.append(
                        FlowCount(title, "milestone", label, gid, a.text("numSubjects"),
                                  a.text("comment"))
                    )
        for reason in period.items("dropWithdraws"):
            label = reason.text("type") or "(unnamed reason)"
            for r in reason.items("reasons"):
                if gid := r.text("groupId"):
                    flow.counts.append(
                        FlowCount(title, "withdrawal", label, gid, r.text("numSubjects"),
                                  r.text("comment"))
                    )
    return flow


def _baseline(module: JsonReader) -> Baseline | None:
    if not module.obj:
        return None
    denominators, _units = _denoms(module)
    return Baseline(
        groups=_groups(module),
        denominators=denominators,
        measures=[
            BaselineMeasure(
                title=m.text("title") or "(untitled measure)",
                param_type=m.text("paramType"),
                dispersion_type=m.text("dispersionType"),
                unit=m.text("unitOfMeasure"),
                measurements=_measurements(m, denominators),
                description=m.text("description"),
                population=m.text("populationDescription"),
            )
            for m in module.items("measures")
        ],
        population=module.text("populationDescription"),
    )


def _adverse_events(module: JsonReader) -> AdverseEvents | None:
    if not module.obj:
        return None
    ae = AdverseEvents(
        time_frame=module.text("timeFrame"),
        description=module.text("description"),
        frequency_threshold=module.text("frequencyThreshold"),
        groups=_groups(module, "eventGroups"),
    )
    for g in module.items("eventGroups"):
        gid = g.text("id")
        if not gid:
            continue
        for prefix, totals in (("serious", ae.serious_totals), ("other", ae.other_totals),
                               ("deaths", ae.deaths)):
            affected, at_risk = g.text(prefix + "NumAffected"), g.text(prefix + "NumAtRisk")
            if affected is not None or at_risk is not None:
                totals.append(AdverseEventCount(gid, affected, at_risk))
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for ev in module.items(key):
            ae.events.append(
                AdverseEvent(
                    term=ev.text("term") or "(unnamed event)",
                    serious=serious,
                    organ_system=ev.text("organSystem"),
                    source_vocabulary=ev.text("sourceVocabulary"),
                    counts=[
                        AdverseEventCount(gid, s.text("numAffected"), s.text("numAtRisk"),
                                          s.text("numEvents"))
                        for s in ev.items("stats")
                        if (gid := s.text("groupId"))
                    ],
                    assessment_type=ev.text("assessmentType"),
                    description=ev.text("notes"),
                )
            )
    return ae
