"""API v2 ``resultsSection`` → results model → RDF, checked against numbers in the records.

Every number below can be read in ../shared/data/ctgov-v2/<NCT>.json under resultsSection.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import load_studies
from trialkg.iris import TKG, id_iri, trial_iri
from trialkg.mapping.study import study_quads
from trialkg.model import Study
from trialkg.model.results import StudyResults
from trialkg.sources.ctgov_json import parse_study
from trialkg.store import TrialStore

PREFIX = f"PREFIX tkg: <{TKG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _study(ctgov_v2_dir: Path, name: str) -> Study:
    (study,) = load_studies(ctgov_v2_dir / name)
    return study


def _results(study: Study) -> StudyResults:
    assert isinstance(study.results, StudyResults)
    return study.results


def _rows(store: TrialStore, query: str) -> list[tuple[str, ...]]:
    result = store.store.query(PREFIX + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(t.value if t is not None else "" for t in row) for row in result]


# --- parsing -------------------------------------------------------------------------------


def test_outcome_values_and_denominators_per_group(ctgov_v2_dir: Path) -> None:
    results = _results(_study(ctgov_v2_dir, "NCT04431453.json"))
    assert len(results.outcomes) == 14
    teae = results.outcomes[0]
    assert teae.kind == "primary"
    assert teae.title.startswith("Percentage of Participants With Treatment-Emergent Adverse")
    assert (teae.param_type, teae.unit) == ("NUMBER", "percentage of participants")
    assert len(teae.groups) == 8
    values = {m.group_id: (m.value, m.denominator) for m in teae.measurements}
    assert values == {
        "OG000": ("91.7", "12"), "OG001": ("58.3", "12"), "OG002": ("75.0", "12"),
        "OG003": ("58.3", "12"), "OG004": ("66.7", "3"), "OG007": ("80.0", "5"),
    }
    # Cohorts 6 and 7 analysed nobody: a denominator of 0 and no measurement.
    assert teae.denominators["OG005"] == "0"
    assert teae.denominator_units == "Participants"


def test_analysis_p_value_kept_as_text(ctgov_v2_dir: Path) -> None:
    results = _results(_study(ctgov_v2_dir, "NCT02552212.json"))
    asdas = results.outcomes[0]
    assert asdas.title.startswith("Percentage of Subjects With Ankylosing Spondylitis Disease")
    assert [(m.group_id, m.value, m.denominator) for m in asdas.measurements] == [
        ("OG000", "7.0", "158"), ("OG001", "47.2", "159"),
    ]
    (analysis,) = asdas.analyses
    assert analysis.group_ids == ["OG000", "OG001"]
    assert analysis.p_value == "<0.001"
    assert (analysis.method, analysis.param_type, analysis.param_value) == (
        "Regression, Logistic", "Odds Ratio (OR)", "15.231")
    assert (analysis.ci_pct, analysis.ci_sides, analysis.ci_lower, analysis.ci_upper) == (
        "95", "TWO_SIDED", "7.336", "31.623")


def test_serious_adverse_events(ctgov_v2_dir: Path) -> None:
    ae = _results(_study(ctgov_v2_dir, "NCT02552212.json")).adverse_events
    assert ae is not None
    totals = {c.group_id: (c.affected, c.at_risk) for c in ae.serious_totals}
    assert totals["EG000"] == ("4", "158")  # Placebo (SS)
    assert totals["EG001"] == ("8", "159")  # CZP 200 mg Q2W (SS)
    glaucoma = next(e for e in ae.events if e.term == "Glaucoma")
    assert glaucoma.serious
    assert (glaucoma.organ_system, glaucoma.source_vocabulary) == ("Eye disorders", "MedDRA19.0")
    counts = {c.group_id: (c.affected, c.at_risk, c.events) for c in glaucoma.counts}
    assert counts["EG001"] == ("1", "159", "1")
    assert counts["EG000"] == ("0", "158", "0")


def test_participant_flow_milestones(ctgov_v2_dir: Path) -> None:
    flow = _results(_study(ctgov_v2_dir, "NCT02299791.initialize_participant_flow_data.json")).flow
    assert flow is not None
    assert [g.id for g in flow.groups] == ["FG000", "FG001"]
    started = {c.group_id: c.count for c in flow.counts
               if c.kind == "milestone" and c.label == "STARTED"}
    assert started == {"FG000": "2053", "FG001": "2803"}
    assert {c.period for c in flow.counts} == {"Overall Study"}


def test_withdrawal_reasons(ctgov_v2_dir: Path) -> None:
    flow = _results(_study(ctgov_v2_dir, "NCT04431453.json")).flow
    assert flow is not None
    withdrew = {c.group_id: c.count for c in flow.counts
                if c.kind == "withdrawal" and c.label == "Withdrew Consent"}
    assert withdrew["FG000"] == "0"
    assert len(withdrew) == 8


def test_baseline_denominators(ctgov_v2_dir: Path) -> None:
    baseline = _results(_study(ctgov_v2_dir, "NCT04431453.json")).baseline
    assert baseline is not None
    assert baseline.denominators == {
        "BG000": "12", "BG001": "12", "BG002": "12", "BG003": "12", "BG004": "3",
        "BG005": "1", "BG006": "1", "BG007": "5", "BG008": "58",
    }
    assert len(baseline.measures) == 9
    age = baseline.measures[0]
    assert age.title == "Age, Customized"
    newborns = [m for m in age.measurements if m.category_title == "Newborns (0-27 days)"]
    assert newborns[0].group_id == "BG000" and newborns[0].value == "0"


def test_study_without_results_has_none(ctgov_v2_dir: Path) -> None:
    study = _study(ctgov_v2_dir, "NCT00973089.json")
    assert study.results is None


def test_wrong_type_names_the_field() -> None:
    from trialkg.exceptions import RecordError

    record = {
        "protocolSection": {"identificationModule": {"nctId": "NCT99000009"}},
        "resultsSection": {"outcomeMeasuresModule": {"outcomeMeasures": {"title": "x"}}},
    }
    with pytest.raises(RecordError, match=r"resultsSection\.outcomeMeasuresModule\."
                                          r"outcomeMeasures: expected a list"):
        parse_study(record)


# --- RDF -----------------------------------------------------------------------------------


def test_measurements_in_rdf(v2_store: TrialStore) -> None:
    rows = _rows(v2_store, f"""
        SELECT ?group ?value ?pct ?denom WHERE {{
          <{trial_iri("NCT04431453")}> tkg:outcomeResult ?o .
          ?o rdfs:label ?title ; tkg:measurement ?m .
          ?m tkg:group/tkg:groupId ?group ; tkg:value ?value ; tkg:denominator ?denom .
          OPTIONAL {{ ?m tkg:percentage ?pct }}
          FILTER(STRSTARTS(?title, "Percentage of Participants With Treatment-Emergent Adverse"))
        }} ORDER BY ?group""")
    assert rows[0] == ("OG000", "91.7", "91.7", "12")
    assert rows[4] == ("OG004", "66.7", "66.7", "3")
    assert len(rows) == 6


def test_outcome_result_links_protocol_outcome(v2_store: TrialStore) -> None:
    rows = _rows(v2_store, f"""
        SELECT ?outcome WHERE {{
          <{id_iri("NCT02552212", "result", "outcome", 1)}> tkg:forOutcome ?outcome }}""")
    assert rows == [(id_iri("NCT02552212", "outcome", "primary", 1),)]


def test_analysis_in_rdf(v2_store: TrialStore) -> None:
    rows = _rows(v2_store, f"""
        SELECT ?p ?est (COUNT(?g) AS ?groups) WHERE {{
          <{id_iri("NCT02552212", "result", "outcome", 1)}> tkg:analysis ?a .
          ?a tkg:pValue ?p ; tkg:paramValue ?est ; tkg:comparesGroup ?g .
          FILTER NOT EXISTS {{ ?a tkg:numericPValue ?n }}
        }} GROUP BY ?p ?est""")
    assert rows == [("<0.001", "15.231", "2")]


def test_adverse_event_counts_in_rdf(v2_store: TrialStore) -> None:
    rows = _rows(v2_store, f"""
        SELECT ?affected ?atRisk ?events WHERE {{
          <{trial_iri("NCT02552212")}> tkg:adverseEvent ?ae .
          ?ae tkg:term "Glaucoma" ; tkg:serious true ; tkg:eventCount ?c .
          ?c tkg:group/tkg:groupId "EG001" ; tkg:affected ?affected ; tkg:atRisk ?atRisk ;
             tkg:events ?events .
        }}""")
    assert rows == [("1", "159", "1")]


def test_flow_milestone_in_rdf(v2_store: TrialStore) -> None:
    rows = _rows(v2_store, f"""
        SELECT ?n WHERE {{
          <{trial_iri("NCT02299791")}> tkg:participantFlow/tkg:flowCount ?c .
          ?c tkg:milestone "COMPLETED" ; tkg:group/tkg:groupId "FG001" ; tkg:participants ?n .
        }}""")
    assert rows == [("2803",)]


def test_counts_and_percentages_equal_the_reported_value(v2_store: TrialStore) -> None:
    """tkg:count / tkg:percentage only where the text is that number (what SHACL checks)."""
    rows = _rows(v2_store, """
        SELECT ?m WHERE {
          ?m a tkg:Measurement ; tkg:value ?v .
          { ?m tkg:count ?c } UNION { ?m tkg:percentage ?c }
          FILTER(?c != <http://www.w3.org/2001/XMLSchema#decimal>(?v))
        }""")
    assert rows == []
    counted = _rows(v2_store, "SELECT (COUNT(*) AS ?n) WHERE { ?m tkg:count ?c }")
    assert int(counted[0][0]) > 100


def test_no_blank_nodes_and_reingest_replaces(ctgov_v2_dir: Path) -> None:
    (study,) = load_studies(ctgov_v2_dir / "NCT04431453.json")
    quads = study_quads(study)
    assert not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object))
    store = TrialStore.memory()
    store.ingest([study])
    before = len(store)
    # A corrected record replaces the graph: the same number of quads, the old value gone.
    results = _results(study)
    results.outcomes[0].measurements[0].value = "91.6"
    study.version = "2099-01-01"
    report = store.ingest([study])
    assert report.replaced == 1
    assert len(store) == before
    values = _rows(store, f"""SELECT ?v WHERE {{
        <{id_iri("NCT04431453", "result", "outcome", 1, "measurement", 1)}> tkg:value ?v }}""")
    assert values == [("91.6",)]
