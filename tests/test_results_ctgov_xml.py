"""Legacy XML ``<clinical_results>`` → results model, on the AACT fixtures of ../shared.

Numbers are in ../shared/data/ctgov-xml/aact-fixtures/<NCT>.xml under <clinical_results>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import SHARED, shared_path
from trialkg.exceptions import RecordError
from trialkg.iris import TKG, trial_iri
from trialkg.mapping.study import study_quads
from trialkg.model import Study
from trialkg.model.results import StudyResults
from trialkg.sources.ctgov_xml_results import parse_clinical_results

FIXTURES = ("data", "ctgov-xml", "aact-fixtures")


def _results(name: str) -> StudyResults:
    root = ET.parse(shared_path(*FIXTURES, name)).getroot()
    element = root.find("clinical_results")
    assert element is not None
    return parse_clinical_results(element)


def _with_results() -> list[object]:
    folder = SHARED.joinpath(*FIXTURES)
    if not folder.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"needs {folder}"))]
    return [pytest.param(p, id=p.stem) for p in sorted(folder.glob("*.xml"))
            if b"<clinical_results>" in p.read_bytes()]


@pytest.mark.parametrize("path", _with_results())
def test_every_fixture_with_results_parses(path: Path) -> None:
    root = ET.parse(path).getroot()
    element = root.find("clinical_results")
    assert element is not None
    results = parse_clinical_results(element)
    assert len(results.outcomes) == len(element.findall("outcome_list/outcome"))
    ae = results.adverse_events
    assert ae is not None
    # Every fixture reports "Total, serious adverse events" for each event group.
    assert {c.group_id for c in ae.serious_totals} == {g.id for g in ae.groups}
    assert not any(e.term.startswith("Total, ") for e in ae.events)


def test_fixture_count() -> None:
    folder = shared_path(*FIXTURES)
    assert sum(b"<clinical_results>" in p.read_bytes() for p in folder.glob("*.xml")) == 23


def test_flow_baseline_outcome_and_events_of_a_single_arm_trial() -> None:
    results = _results("NCT01065844.xml")  # nelfinavir, one arm
    assert results.flow is not None
    flow = {(c.kind, c.label): c.count for c in results.flow.counts}
    assert flow[("milestone", "STARTED")] == "15"
    assert flow[("milestone", "COMPLETED")] == "10"
    assert flow[("withdrawal", "Adverse Event")] == "5"

    assert results.baseline is not None
    assert results.baseline.denominators == {"B1": "15"}
    sex = next(m for m in results.baseline.measures if m.title == "Sex/Gender, Customized")
    assert sex.param_type == "COUNT_OF_PARTICIPANTS"
    assert {m.category_title: m.value for m in sex.measurements} == {"Female": "9", "Male": "6"}

    progression, quality = results.outcomes
    assert (progression.kind, progression.title) == ("primary", "Tumor Progression")
    assert {m.category_title: (m.value, m.denominator) for m in progression.measurements} == {
        "Complete reponse (CR)": ("0", "11"),  # sic
        "Partial response (PR)": ("0", "11"),
        "Stable disease (SD)": ("7", "11"),
        "Progressive disease (PD)": ("4", "11"),
    }
    assert quality.kind == "secondary" and quality.measurements == []  # not posted

    ae = results.adverse_events
    assert ae is not None
    assert [(c.affected, c.at_risk) for c in ae.serious_totals] == [("0", "15")]
    assert [(c.affected, c.at_risk) for c in ae.other_totals] == [("5", "15")]
    assert ae.frequency_threshold == "0"
    platelets = next(e for e in ae.events if e.term == "platelet count decreased")
    assert not platelets.serious
    assert platelets.organ_system == "Blood and lymphatic system disorders"
    assert platelets.source_vocabulary == "CTCAE (3.0)"
    assert [(c.affected, c.at_risk, c.events) for c in platelets.counts] == [("1", "15", "1")]


def test_analysis_and_response_rate() -> None:
    results = _results("NCT01642004.xml")  # nivolumab vs docetaxel
    os_updated = results.outcomes[0]
    assert os_updated.kind == "other"
    assert (os_updated.param_type, os_updated.dispersion_type) == ("MEDIAN", "CONFIDENCE_95")
    assert [(m.value, m.lower, m.upper) for m in os_updated.measurements] == [
        ("9.23", "7.33", "12.62"), ("6.01", "5.29", "7.39")]
    (hr,) = os_updated.analyses
    assert hr.group_ids == ["O1", "O2"]
    assert (hr.p_value, hr.method, hr.param_type, hr.param_value) == (
        "0.0004", "Log Rank", "Hazard Ratio (HR)", "0.62")
    assert (hr.ci_sides, hr.ci_lower, hr.ci_upper) == ("TWO_SIDED", "0.47", "0.81")
    assert hr.non_inferiority_type == "SUPERIORITY_OR_OTHER"

    orr = next(o for o in results.outcomes if o.title.startswith("Objective Response Rate (ORR)"
                                                                  " in All Randomized"))
    assert [(m.group_id, m.value, m.denominator) for m in orr.measurements] == [
        ("O1", "20.0", "135"), ("O2", "8.8", "137")]


def test_deaths_are_totals_not_events() -> None:
    ae = _results("NCT01298141.xml").adverse_events
    assert ae is not None
    assert [(c.group_id, c.affected, c.at_risk) for c in ae.deaths] == [("E1", "6", "167")]
    assert [(c.affected, c.at_risk) for c in ae.serious_totals] == [("74", "167")]


def test_xml_results_map_to_rdf_percentages() -> None:
    study = Study(trial_id="NCT01642004", source_format="ctgov-xml",
                  results=_results("NCT01642004.xml"))
    store = ox.Store()
    store.extend(study_quads(study))
    rows = store.query(f"""PREFIX tkg: <{TKG}>
        SELECT ?pct ?denom WHERE {{
          <{trial_iri("NCT01642004")}> tkg:outcomeResult ?o .
          ?o <http://www.w3.org/2000/01/rdf-schema#label> ?title ; tkg:measurement ?m .
          ?m tkg:group/tkg:groupId "O1" ; tkg:percentage ?pct ; tkg:denominator ?denom .
          FILTER(STRSTARTS(?title, "Objective Response Rate (ORR) in All Randomized"))
        }}""", use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    # Oxigraph writes decimals canonically (20.0 -> 20): compare numbers.
    assert [(float(r["pct"].value), int(r["denom"].value)) for r in rows] == [(20.0, 135)]


def test_not_clinical_results_element() -> None:
    with pytest.raises(RecordError, match="expected <clinical_results>"):
        parse_clinical_results(ET.fromstring("<clinical_study/>"))
