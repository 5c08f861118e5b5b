"""ClinicalTrials.gov API v2 ``resultsSection`` → :class:`~trialkg.results.StudyResults`.

Every value keeps the text the registry gives (``"91.7"``, ``"NA"``, ``"<0.001"``); counts the
registry sends as JSON numbers (adverse-event ``numAffected``) become their decimal text.
A field of the wrong type is a :class:`~trialkg.exceptions.RecordError` naming its path, as
in :mod:`trialkg.sources.ctgov_json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trialkg.results import (
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

if TYPE_CHECKING:  # the reader lives in ctgov_json, which imports this module
    from trialkg.sources.ctgov_json import _Reader

__all__ = ["parse_results"]

#: API v2 outcome types -> the model's kinds (the protocol outcomes' kinds).
_KINDS = {
    "PRIMARY": "primary",
    "SECONDARY": "secondary",
    "OTHER_PRE_SPECIFIED": "other",
    "POST_HOC": "post-hoc",
}


def parse_results(section: _Reader) -> StudyResults | None:
    """The results of one study, or None when the record has no ``resultsSection``.

    :raises RecordError: when a field has the wrong type (the message names it).
    """
    if not section.obj:
        return None
    return StudyResults(
        outcomes=[
            _outcome(o) for o in section.sub("outcomeMeasuresModule").list("outcomeMeasures")
        ],
        flow=_flow(section.sub("participantFlowModule")),
        baseline=_baseline(section.sub("baselineCharacteristicsModule")),
        adverse_events=_adverse_events(section.sub("adverseEventsModule")),
    )


def _groups(reader: _Reader, key: str = "groups") -> list[ResultGroup]:
    return [
        ResultGroup(gid, g.str("title") or gid, g.str("description"))
        for g in reader.list(key)
        if (gid := g.str("id"))
    ]


def _denoms(reader: _Reader) -> tuple[dict[str, str], str | None]:
    """Per-group denominators, preferring the ones counted in participants."""
    denoms = reader.list("denoms")
    if not denoms:
        return {}, None
    chosen = next(
        (d for d in denoms if (d.str("units") or "").casefold() == "participants"), denoms[0]
    )
    counts = {
        gid: value
        for c in chosen.list("counts")
        if (gid := c.str("groupId")) and (value := c.str("value")) is not None
    }
    return counts, chosen.str("units")


def _measurements(reader: _Reader, denominators: dict[str, str]) -> list[Measurement]:
    """Measurements of every class and category, each with its group's denominator."""
    out: list[Measurement] = []
    for cls in reader.list("classes"):
        class_title = cls.str("title")
        class_denoms, _units = _denoms(cls)
        for cat in cls.list("categories"):
            category_title = cat.str("title")
            for m in cat.list("measurements"):
                gid = m.str("groupId")
                out.append(
                    Measurement(
                        group_id=gid,
                        value=m.str("value"),
                        spread=m.str("spread"),
                        lower=m.str("lowerLimit"),
                        upper=m.str("upperLimit"),
                        comment=m.str("comment"),
                        class_title=class_title,
                        category_title=category_title,
                        denominator=(class_denoms.get(gid) or denominators.get(gid))
                        if gid
                        else None,
                    )
                )
    return out


def _outcome(o: _Reader) -> OutcomeResult:
    kind_code = o.str("type") or "OTHER_PRE_SPECIFIED"
    denominators, units = _denoms(o)
    return OutcomeResult(
        kind=_KINDS.get(kind_code.upper(), kind_code.lower()),
        title=o.str("title") or "(untitled outcome)",
        description=o.str("description"),
        time_frame=o.str("timeFrame"),
        population=o.str("populationDescription"),
        param_type=o.str("paramType"),
        dispersion_type=o.str("dispersionType"),
        unit=o.str("unitOfMeasure"),
        groups=_groups(o),
        denominators=denominators,
        measurements=_measurements(o, denominators),
        analyses=[_analysis(a) for a in o.list("analyses")],
        denominator_units=units,
        reporting_status=o.str("reportingStatus"),
    )


def _analysis(a: _Reader) -> Analysis:
    return Analysis(
        group_ids=a.strs("groupIds"),
        non_inferiority_type=a.str("nonInferiorityType"),
        p_value=a.str("pValue"),
        method=a.str("statisticalMethod"),
        param_type=a.str("paramType"),
        param_value=a.str("paramValue"),
        ci_pct=a.str("ciPctValue"),
        ci_sides=a.str("ciNumSides"),
        ci_lower=a.str("ciLowerLimit"),
        ci_upper=a.str("ciUpperLimit"),
        description=a.str("groupDescription"),
        estimate_comment=a.str("estimateComment"),
        dispersion_type=a.str("dispersionType"),
        dispersion_value=a.str("dispersionValue"),
        p_value_comment=a.str("pValueComment"),
        method_comment=a.str("statisticalComment"),
    )


def _flow(module: _Reader) -> ParticipantFlow | None:
    if not module.obj:
        return None
    flow = ParticipantFlow(
        groups=_groups(module),
        recruitment_details=module.str("recruitmentDetails"),
        pre_assignment_details=module.str("preAssignmentDetails"),
    )
    for n, period in enumerate(module.list("periods"), start=1):
        title = period.str("title") or f"Period {n}"
        for milestone in period.list("milestones"):
            label = milestone.str("type") or "(unnamed milestone)"
            for a in milestone.list("achievements"):
                if gid := a.str("groupId"):
                    flow.counts.append(
                        FlowCount(title, "milestone", label, gid, a.str("numSubjects"),
                                  a.str("comment"))
                    )
        for reason in period.list("dropWithdraws"):
            label = reason.str("type") or "(unnamed reason)"
            for r in reason.list("reasons"):
                if gid := r.str("groupId"):
                    flow.counts.append(
                        FlowCount(title, "withdrawal", label, gid, r.str("numSubjects"),
                                  r.str("comment"))
                    )
    return flow


def _baseline(module: _Reader) -> Baseline | None:
    if not module.obj:
        return None
    denominators, _units = _denoms(module)
    return Baseline(
        groups=_groups(module),
        denominators=denominators,
        measures=[
            BaselineMeasure(
                title=m.str("title") or "(untitled measure)",
                param_type=m.str("paramType"),
                dispersion_type=m.str("dispersionType"),
                unit=m.str("unitOfMeasure"),
                measurements=_measurements(m, denominators),
                description=m.str("description"),
                population=m.str("populationDescription"),
            )
            for m in module.list("measures")
        ],
        population=module.str("populationDescription"),
    )


def _adverse_events(module: _Reader) -> AdverseEvents | None:
    if not module.obj:
        return None
    ae = AdverseEvents(
        time_frame=module.str("timeFrame"),
        description=module.str("description"),
        frequency_threshold=module.str("frequencyThreshold"),
        groups=_groups(module, "eventGroups"),
    )
    for g in module.list("eventGroups"):
        gid = g.str("id")
        if not gid:
            continue
        for prefix, totals in (("serious", ae.serious_totals), ("other", ae.other_totals),
                               ("deaths", ae.deaths)):
            affected, at_risk = g.str(prefix + "NumAffected"), g.str(prefix + "NumAtRisk")
            if affected is not None or at_risk is not None:
                totals.append(AdverseEventCount(gid, affected, at_risk))
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for ev in module.list(key):
            ae.events.append(
                AdverseEvent(
                    term=ev.str("term") or "(unnamed event)",
                    serious=serious,
                    organ_system=ev.str("organSystem"),
                    source_vocabulary=ev.str("sourceVocabulary"),
                    counts=[
                        AdverseEventCount(gid, s.str("numAffected"), s.str("numAtRisk"),
                                          s.str("numEvents"))
                        for s in ev.list("stats")
                        if (gid := s.str("groupId"))
                    ],
                    assessment_type=ev.str("assessmentType"),
                    description=ev.str("notes"),
                )
            )
    return ae
