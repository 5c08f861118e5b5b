"""Stored queries give the rows a person finds in the source JSON records (../shared)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest

from tests.queries.conftest import mesh_ids
from trialkg.exceptions import ParameterError
from trialkg.iris import TRIAL
from trialkg.queries import LocalExecutor, QueryLibrary, run_stored
from trialkg.store import TrialStore

Records = dict[str, dict[str, Any]]


def rows(library: QueryLibrary, executor: LocalExecutor, name: str,
         **params: str) -> list[dict[str, str]]:
    result = run_stored(library.get(name), params, executor)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{k: v.value for k, v in zip(names, row, strict=True) if v is not None}
            for row in result]


def ncts(found: list[dict[str, str]], key: str = "trial") -> set[str]:
    return {r[key].removeprefix(TRIAL) for r in found}


def ps(rec: dict[str, Any]) -> dict[str, Any]:
    return rec["protocolSection"]  # type: ignore[no-any-return]


def test_trials_by_sponsor_bayer_as_lead(library: QueryLibrary, executor: LocalExecutor,
                                        records: Records) -> None:
    expected = {n for n, r in records.items()
                if "bayer" in ps(r)["sponsorCollaboratorsModule"]["leadSponsor"]["name"].lower()}
    assert len(expected) == 4  # NCT05850520, NCT05915026, NCT05915702, NCT05915728
    found = rows(library, executor, "trials-by-sponsor", sponsor="BAYER", role="lead")
    assert ncts(found) == expected
    assert len(found) == 4  # once each, although its label repeats in every study graph


def test_trials_by_sponsor_as_collaborator(library: QueryLibrary, executor: LocalExecutor,
                                          records: Records) -> None:
    expected = {n for n, r in records.items()
                for c in ps(r)["sponsorCollaboratorsModule"].get("collaborators", [])
                if "regeneron" in c["name"].lower()}
    found = rows(library, executor, "trials-by-sponsor", sponsor="regeneron",
                 role="collaborator")
    assert ncts(found) == expected and expected


def _phase(rec: dict[str, Any]) -> str:
    phases = sorted(ps(rec).get("designModule", {}).get("phases", []))
    if not phases:
        return "NONE"
    return phases[0] if len(phases) == 1 else f"{phases[0]}/{phases[-1]}"


def test_phase_status_counts_match_the_records(library: QueryLibrary, executor: LocalExecutor,
                                              records: Records) -> None:
    expected = Counter((_phase(r), ps(r)["statusModule"]["overallStatus"])
                       for r in records.values())
    found = {(r["phase"], r["status"]): int(r["trials"])
             for r in rows(library, executor, "phase-status-counts")}
    assert found == dict(expected)
    assert sum(found.values()) == len(records) == 72


def test_enrollment_by_phase_for_completed_trials(library: QueryLibrary,
                                                  executor: LocalExecutor,
                                                  records: Records) -> None:
    totals: Counter[str] = Counter()
    for r in records.values():
        if ps(r)["statusModule"]["overallStatus"] == "COMPLETED":
            count = ps(r).get("designModule", {}).get("enrollmentInfo", {}).get("count")
            if count is not None:
                totals[_phase(r)] += count
    found = {r["phase"]: int(r["total"])
             for r in rows(library, executor, "enrollment-by-phase", status="completed")}
    assert found == dict(totals)


def test_trials_by_condition_direct_and_with_descendants(
        library: QueryLibrary, executor: LocalExecutor, records: Records) -> None:
    # Diabetes Mellitus, Type 2 (D003924): NCT05870670 and NCT05887817 link it directly.
    direct = {n for n, r in records.items() if "D003924" in mesh_ids(r, "conditionBrowseModule")}
    assert direct == {"NCT05870670", "NCT05887817"}
    found = rows(library, executor, "trials-by-condition", condition="D000003924",
                 descendants="false")
    assert ncts(found) == direct
    # Diabetes Mellitus (D003920) is linked directly only by NCT00763412; with descendants
    # the two type 2 trials join it through D003924 -> D003920.
    only_direct = rows(library, executor, "trials-by-condition", condition="D003920",
                       descendants="false")
    assert ncts(only_direct) == {"NCT00763412"}
    rolled = rows(library, executor, "trials-by-condition", condition="D003920")
    assert ncts(rolled) >= {"NCT00763412", "NCT05870670", "NCT05887817"}
    assert {r["mesh"] for r in rolled if r["trial"].endswith("NCT05870670")} == {
        "http://id.nlm.nih.gov/mesh/D003924"}


def test_trials_by_drug_name(library: QueryLibrary, executor: LocalExecutor,
                             records: Records) -> None:
    expected = {
        n for n, r in records.items()
        for iv in ps(r).get("armsInterventionsModule", {}).get("interventions", [])
        if "semaglutide" in " ".join([iv["name"], *iv.get("otherNames", [])]).lower()
    }
    assert ncts(rows(library, executor, "trials-by-drug-name", drug="Semaglutide")) == expected
    assert expected


def test_trial_outcomes_in_registry_order(library: QueryLibrary, executor: LocalExecutor,
                                          records: Records) -> None:
    module = ps(records["NCT04267848"])["outcomesModule"]
    expected = [o["measure"] for o in module.get("primaryOutcomes", [])] + [
        o["measure"] for k in ("secondaryOutcomes", "otherOutcomes") for o in module.get(k, [])]
    found = rows(library, executor, "trial-outcomes", trial="NCT04267848")
    assert [" ".join(r["measure"].split()) for r in found] == [
        " ".join(m.split()) for m in expected]
    assert [r["kind"] for r in found][:1] == ["primary"]


def test_trials_with_results(library: QueryLibrary, executor: LocalExecutor,
                             records: Records) -> None:
    expected = {n for n, r in records.items() if r.get("hasResults")}
    assert expected == {"NCT00763412", "NCT02210780", "NCT02552212", "NCT03064438",
                        "NCT04431453", "NCT05594173", "NCT02299791"}
    assert ncts(rows(library, executor, "trials-with-results")) == expected


def test_sites_by_country_of_one_trial(library: QueryLibrary, executor: LocalExecutor,
                                       records: Records) -> None:
    locations = ps(records["NCT04267848"])["contactsLocationsModule"]["locations"]
    expected = Counter(loc["country"] for loc in locations)
    found = {r["country"]: int(r["sites"])
             for r in rows(library, executor, "sites-by-country", trial="NCT04267848")}
    assert found == dict(expected)


def test_sponsor_collaborations(library: QueryLibrary, executor: LocalExecutor,
                                records: Records) -> None:
    expected = Counter(
        (ps(r)["sponsorCollaboratorsModule"]["leadSponsor"]["name"], c["name"])
        for r in records.values()
        for c in ps(r)["sponsorCollaboratorsModule"].get("collaborators", []))
    found = {(r["lead"], r["collaborator"]): int(r["trials"])
             for r in rows(library, executor, "sponsor-collaborations")}
    assert found == dict(expected)


def test_trials_lacking_mesh(library: QueryLibrary, executor: LocalExecutor,
                             records: Records) -> None:
    def missing(r: dict[str, Any]) -> bool:
        conditions = ps(r).get("conditionsModule", {}).get("conditions", [])
        interventions = ps(r).get("armsInterventionsModule", {}).get("interventions", [])
        return bool((conditions and not mesh_ids(r, "conditionBrowseModule"))
                    or (interventions and not mesh_ids(r, "interventionBrowseModule")))

    expected = {n for n, r in records.items() if missing(r)}
    assert ncts(rows(library, executor, "trials-lacking-mesh", linked="exclude")) == expected
    # trialkg linked some of those sides at ingest (tests/test_ingest_linking.py): fewer left
    assert ncts(rows(library, executor, "trials-lacking-mesh")) < expected


def test_similar_trials_share_mesh_terms(library: QueryLibrary, executor: LocalExecutor,
                                         records: Records) -> None:
    me = records["NCT05870670"]
    mine = mesh_ids(me, "conditionBrowseModule") | mesh_ids(me, "interventionBrowseModule")
    expected = {n: len(mine & (mesh_ids(r, "conditionBrowseModule")
                               | mesh_ids(r, "interventionBrowseModule")))
                for n, r in records.items() if n != "NCT05870670"}
    expected = {n: k for n, k in expected.items() if k}
    found = rows(library, executor, "similar-trials", trial="NCT05870670", linked="exclude")
    assert {r["other"].removeprefix(TRIAL): int(r["score"]) for r in found} == expected
    scores = [int(r["score"]) for r in found]
    assert scores == sorted(scores, reverse=True)


def test_drug_condition_pairs(library: QueryLibrary, executor: LocalExecutor,
                              records: Records) -> None:
    pairs = Counter((d, c) for r in records.values()
                    for d in mesh_ids(r, "interventionBrowseModule")
                    for c in mesh_ids(r, "conditionBrowseModule"))
    found = rows(library, executor, "drug-condition-cooccurrence")
    assert len(found) == len(pairs)
    assert sum(int(r["trials"]) for r in found) == sum(pairs.values())


def test_timeline_and_eligibility_for_type_2_diabetes(library: QueryLibrary,
                                                     executor: LocalExecutor,
                                                     records: Records) -> None:
    timeline = rows(library, executor, "timeline", condition="D003924")
    starts = {n: ps(records[n])["statusModule"]["startDateStruct"]["date"]
              for n in ("NCT05870670", "NCT05887817")}
    assert [(r["trial"].removeprefix(TRIAL), r["start"]) for r in timeline] == sorted(
        starts.items(), key=lambda kv: kv[1])
    eligibility = {r["trial"].removeprefix(TRIAL): r
                   for r in rows(library, executor, "eligibility-for-condition",
                                 condition="D003924")}
    for nct, row in eligibility.items():
        module = ps(records[nct])["eligibilityModule"]
        assert row["sex"] == module["sex"]
        assert row.get("minimumAge") == module.get("minimumAge")


def test_trials_by_phase_status(library: QueryLibrary, executor: LocalExecutor,
                                records: Records) -> None:
    expected = {n for n, r in records.items()
                if "PHASE3" in ps(r).get("designModule", {}).get("phases", [])
                and ps(r)["statusModule"]["overallStatus"] == "COMPLETED"}
    found = rows(library, executor, "trials-by-phase-status", phase="phase 3",
                 status="Completed")
    assert ncts(found) == expected and expected


def test_trial_card_and_ask(library: QueryLibrary, executor: LocalExecutor,
                            records: Records) -> None:
    card = run_stored(library.get("trial-card"), {"trial": "NCT00763412"}, executor)
    assert isinstance(card, ox.QueryTriples)
    triples = list(card)
    outcomes = [t for t in triples if t.predicate.value.endswith("#outcome")]
    module = ps(records["NCT00763412"])["outcomesModule"]
    assert len(outcomes) == sum(len(module.get(k, [])) for k in
                                ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"))
    assert any(isinstance(t.object, ox.Literal) and t.object.value == "Arbelaez, Ana Maria"
               for t in triples)
    ask = library.get("trial-in-graph")
    assert bool(run_stored(ask, {"trial": "NCT00763412"}, executor))
    assert not bool(run_stored(ask, {"trial": "NCT99999999"}, executor))


HOSTILE = [
    '"} ; DROP ALL #',
    "'} } INSERT DATA { <http://x/a> <http://x/b> <http://x/c> } #",
    "a\nb\r\n}\\",
    "{{{" * 300,
    "> <http://x/", "NCT00763412> } DROP ALL {",
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_are_data(value: str, library: QueryLibrary, kg: TrialStore) -> None:
    executor = LocalExecutor(kg)
    before = set(kg.quads())
    found = rows(library, executor, "trials-by-sponsor", sponsor=value)
    assert found == []
    for name, param in (("trial-outcomes", "trial"), ("sites-by-country", "trial")):
        with pytest.raises(ParameterError, match=f"parameter '{param}'"):
            run_stored(library.get(name), {param: value}, executor)
    from trialkg.queries.params import PARAM_TYPES

    with pytest.raises(ParameterError, match="parameter 'x'"):
        PARAM_TYPES["iri"].parse("x", value, None)
    assert set(kg.quads()) == before


def test_overlong_text_is_refused(library: QueryLibrary, executor: LocalExecutor) -> None:
    with pytest.raises(ParameterError, match="at most 1000 characters"):
        run_stored(library.get("trials-by-sponsor"), {"sponsor": "x" * 5000}, executor)
