"""Evidence mapping and the stored results queries, run with pyoxigraph on real records.

Trial numbers are in ../shared/data/ctgov-v2/<NCT>.json (resultsSection); the evidence
numbers are those the seed news item (seeds/004) reports for the systematic review of
Navarrete-Dechent et al., JAMA Dermatol 2019.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import REPO, load_studies
from trialkg.iris import TKG, graph_iri, mesh_iri, trial_iri
from trialkg.mapping.results import evidence_iri, evidence_quads
from trialkg.model.results import Evidence, Measurement, OutcomeResult, ResultGroup, SourceRef
from trialkg.store import TrialStore

QUERIES = REPO / "queries"
IMATINIB, DFSP = "D000068877", "D018223"
CERTOLIZUMAB, AXIAL_SPA = "D000068582", "D000089183"
WITH_RESULTS = ("NCT00763412.json", "NCT02210780.json",
                "NCT02299791.initialize_participant_flow_data.json", "NCT02552212.json",
                "NCT03064438.json", "NCT04431453.json", "NCT05594173.json")


def review() -> Evidence:
    """The systematic review as the seed news item reports it (built by hand for the test)."""

    def rate(title: str, *categories: tuple[str, str]) -> OutcomeResult:
        return OutcomeResult(
            kind="primary", title=title, param_type="PERCENTAGE", unit="percentage of patients",
            groups=[ResultGroup("G1", "Imatinib")],
            measurements=[Measurement("G1", value, category_title=category)
                          for category, value in categories],
        )

    return Evidence(
        key="navarrete-dechent-2019",
        title="Imatinib treatment for locally advanced or metastatic dermatofibrosarcoma "
              "protuberans: a systematic review",
        source=SourceRef(
            url="https://doi.org/10.1001/jamadermatol.2018.4940",
            retrieved="2025-01-15",
            citation="Navarrete-Dechent C, Mori S, Barker CA, Dickson MA, Nehal KS. "
                     "JAMA Dermatol. doi:10.1001/jamadermatol.2018.4940",
            doi="10.1001/jamadermatol.2018.4940",
        ),
        intervention_mesh=[IMATINIB],
        condition_mesh=[DFSP],
        interventions=["imatinib"],
        conditions=["dermatofibrosarcoma protuberans"],
        studies_pooled=9,
        participants=152,
        outcomes=[
            rate("Best response to imatinib", ("Complete response", "5.2"),
                 ("Partial response", "55.2"), ("Stable disease", "27.6"),
                 ("Progressive disease", "9.2")),
            rate("Surgery after imatinib", ("Underwent surgery", "60.3")),
            rate("Adverse events", ("Any adverse event", "73.5")),
        ],
        record="test",
    )


@pytest.fixture(scope="module")
def store(ctgov_v2_dir: Path) -> TrialStore:
    """The seven API v2 records with results, and the review."""
    s = TrialStore.memory()
    report = s.ingest([*load_studies(*(ctgov_v2_dir / n for n in WITH_RESULTS)), review()])
    assert report.failed == 0, report.errors
    assert report.loaded == 8
    return s


def run(store: TrialStore, name: str, **params: ox.NamedNode | ox.Literal) -> list[dict[str, str]]:
    query = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    result = store.store.query(query, use_default_graph_as_union=True,
                               substitutions={ox.Variable(k): v for k, v in params.items()})
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def mesh(ui: str) -> ox.NamedNode:
    return ox.NamedNode(mesh_iri(ui))


# --- evidence ------------------------------------------------------------------------------


def test_evidence_graph_holds_the_reviews_numbers() -> None:
    quads = evidence_quads(review())
    graphs = {q.graph_name for q in quads}
    assert graphs == {ox.NamedNode(graph_iri("evidence", "navarrete-dechent-2019"))}
    s = ox.Store()
    s.extend(quads)
    node = f"<{evidence_iri('navarrete-dechent-2019')}>"
    rows = s.query(f"""PREFIX tkg: <{TKG}>
        SELECT ?category ?pct WHERE {{
          {node} a tkg:SystematicReview, tkg:Evidence ;
                 tkg:studiesPooled 9 ; tkg:participantsPooled 152 ;
                 tkg:aboutIntervention <{mesh_iri(IMATINIB)}> ;
                 tkg:aboutCondition <{mesh_iri(DFSP)}> ;
                 tkg:doi <https://doi.org/10.1001/jamadermatol.2018.4940> ;
                 <http://www.w3.org/ns/prov#wasDerivedFrom> ?page ;
                 tkg:outcomeResult/tkg:measurement ?m .
          ?m a tkg:Measurement ; tkg:categoryTitle ?category ; tkg:percentage ?pct .
        }} ORDER BY ?category""", use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    found = {r["category"].value: float(r["pct"].value) for r in rows}
    assert found == {
        "Complete response": 5.2, "Partial response": 55.2, "Stable disease": 27.6,
        "Progressive disease": 9.2, "Underwent surgery": 60.3, "Any adverse event": 73.5,
    }


def test_evidence_reingest_is_unchanged_and_replace_does_not_duplicate() -> None:
    s = TrialStore.memory()
    s.ingest([review()])
    before = len(s)
    assert s.ingest([review()]).unchanged == 1
    changed = review()
    changed.outcomes[0].measurements[0].value = "5.3"
    report = s.ingest([changed])
    assert report.replaced == 1
    assert len(s) == before


# --- queries -------------------------------------------------------------------------------


def test_response_rates_from_published_evidence(store: TrialStore) -> None:
    rows = run(store, "response-rates", intervention=mesh(IMATINIB), condition=mesh(DFSP),
               pattern=ox.Literal("respon|progress"))
    assert {(r["sourceKind"], r["category"], float(r["rate"])) for r in rows} == {
        ("evidence", "Complete response", 5.2), ("evidence", "Partial response", 55.2),
        ("evidence", "Stable disease", 27.6), ("evidence", "Progressive disease", 9.2),
    }


def test_response_rates_from_trials(store: TrialStore) -> None:
    rows = run(store, "response-rates", intervention=mesh(CERTOLIZUMAB),
               condition=mesh(AXIAL_SPA), pattern=ox.Literal("ASAS40"))
    assert {r["source"] for r in rows} == {trial_iri("NCT02552212")}
    assert {(r["outcome"][-7:], r["group"], float(r["rate"]), r["denominator"])
            for r in rows} == {
        ("Week 12", "Placebo (FAS)", 11.4, "158"),  # primary
        ("Week 12", "CZP 200 mg Q2W (FAS)", 47.8, "159"),
        ("Week 52", "Placebo (FAS)", 15.8, "158"),  # secondary
        ("Week 52", "CZP 200 mg Q2W (FAS)", 56.6, "159"),
    }


def test_response_rates_without_condition_or_pattern(store: TrialStore) -> None:
    rows = run(store, "response-rates", intervention=mesh(IMATINIB))
    assert len(rows) == 6  # all six rates of the review


def test_primary_outcome_results(store: TrialStore) -> None:
    for trial in (ox.NamedNode(trial_iri("NCT02552212")), ox.Literal("NCT02552212")):
        rows = run(store, "primary-outcome-results", trial=trial)
        asdas = [r for r in rows if r["outcome"].startswith("Percentage of Subjects With "
                                                             "Ankylosing Spondylitis")]
        assert {(r["group"], r["value"], r["denominator"]) for r in asdas} == {
            ("Placebo (FAS)", "7.0", "158"), ("CZP 200 mg Q2W (FAS)", "47.2", "159")}
        # 11 primary outcomes; the plasma concentration at baseline has no values posted.
        assert len({r["outcome"] for r in rows}) == 10
        week1 = [r for r in rows if r["outcome"].endswith("Plasma Concentration at Week 1")]
        assert [(r["value"], r["lower"], r["upper"]) for r in week1] == [("50.5", "48.0", "53.0")]


def test_adverse_events_for_drug(store: TrialStore) -> None:
    rows = run(store, "adverse-events-for-drug", intervention=mesh(CERTOLIZUMAB),
               serious=ox.Literal(True))
    assert all(r["isSerious"] == "true" for r in rows)
    glaucoma = next(r for r in rows if r["term"] == "Glaucoma")
    # 0/158 + 1/159 + 0/96 + 0/20 + 0/243 over the five event groups of NCT02552212
    assert (glaucoma["participantsAffected"], glaucoma["participantsAtRisk"]) == ("1", "676")
    assert glaucoma["trials"] == "1"
    affected = [int(r["participantsAffected"]) for r in rows]
    assert affected == sorted(affected, reverse=True)


def test_adverse_events_serious_and_other(store: TrialStore) -> None:
    both = run(store, "adverse-events-for-drug", intervention=mesh(CERTOLIZUMAB))
    assert {r["isSerious"] for r in both} == {"true", "false"}


def test_trials_with_results_by_phase(store: TrialStore) -> None:
    rows = run(store, "trials-with-results-by-phase")
    by_phase = {r["phaseCode"]: (r["trials"], set(r["trialIds"].split())) for r in rows}
    assert by_phase == {  # phases as their codes, as every query prints them
        "NA": ("2", {"NCT00763412", "NCT02299791"}),
        "PHASE2": ("3", {"NCT02210780", "NCT03064438", "NCT04431453"}),
        "PHASE3": ("2", {"NCT02552212", "NCT04431453"}),
    }
    from trialkg.queries import LocalExecutor, QueryLibrary, run_stored

    query = QueryLibrary.default().get("trials-with-results-by-phase")
    only = run_stored(query, {"phase": "3"}, LocalExecutor(store))  # bound as VALUES
    assert [(r["phaseCode"].value, r["trials"].value) for r in only] == [("PHASE3", "2")]
