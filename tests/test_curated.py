"""Curated records: the committed files in curated/, the schema's error messages, placement."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from trialkg.exceptions import RecordError
from trialkg.model import Study
from trialkg.model.results import Evidence, StudyResults
from trialkg.sources import read_paths
from trialkg.sources.curated import read_evidence
from trialkg.store import TrialStore

CURATED = REPO / "curated"


def only(path: Path) -> Study:
    (item,) = read_paths([path])
    assert isinstance(item, Study), str(item)
    return item


def test_eortc_62027_from_the_lay_summary() -> None:
    s = only(CURATED / "trials" / "EORTC-62027.yaml")
    assert s.trial_id == "EORTC-62027" and s.source_format == "curated"
    assert s.phases == ["PHASE2"] and s.enrollment == 16
    assert [o.name for o in s.collaborators] == [
        "European Organisation for Research and Treatment of Cancer (EORTC)",
        "Experimental Cancer Medicine Centre (ECMC)"]
    assert [(o.name, o.role) for o in s.officials] == [("Dr Michael Leahy",
                                                        "CHIEF_INVESTIGATOR")]
    assert isinstance(s.results, StudyResults)
    (outcome,) = s.results.outcomes
    assert [(m.category_title, m.value, m.denominator) for m in outcome.measurements] == [
        ("Shrank", "5", "14"), ("Stable", "6", "14"), ("Grew", "3", "14")]
    assert s.results.source is not None and s.results.source.url == "urn:trialkg:seed:001"


def test_addition_goes_to_its_own_graph_and_survives_registry_reingest() -> None:
    addition = only(CURATED / "additions" / "NCT02495519.yaml")
    assert addition.graph == "curated/NCT02495519"
    assert addition.enrollment == 21
    assert addition.sites[0].facility == "Severance Hospital, Yonsei University Health System"
    assert addition.sites[0].city == "Seoul"
    store = TrialStore.memory()
    assert store.ingest([addition]).loaded == 1
    registry = Study(trial_id="NCT02495519", brief_title="registry record", version="2018-05-29")
    store.ingest([registry])
    store.ingest([Study(trial_id="NCT02495519", brief_title="newer", version="2019-01-01")])
    graphs = store.named_graphs()
    assert "https://w3id.org/trialkg/graph/curated/NCT02495519" in graphs
    assert "https://w3id.org/trialkg/graph/study/NCT02495519" in graphs
    rows = store.store.query(
        "SELECT ?city WHERE { GRAPH <https://w3id.org/trialkg/graph/curated/NCT02495519> {"
        " <https://identifiers.org/clinicaltrials:NCT02495519>"
        " <https://w3id.org/trialkg/vocab#site> ?s ."
        " ?s <https://w3id.org/trialkg/vocab#city> ?city } }")
    assert [r[0].value for r in rows] == ["Seoul"]  # type: ignore[index, union-attr]


def test_evidence_record() -> None:
    ev = read_evidence(CURATED / "evidence" / "navarrete-dechent-2019.yaml", "x")
    assert (ev.studies_pooled, ev.participants) == (9, 152)
    assert ev.source.doi == "10.1001/jamadermatol.2018.4940"
    assert ev.condition_mesh == ["D018223"] and ev.intervention_mesh == ["D000068877"]
    response = ev.outcomes[0]
    assert {m.category_title: m.value for m in response.measurements} == {
        "Complete response": "5.2", "Partial response": "55.2", "Stable disease": "27.6",
        "Progressive disease": "9.2"}
    assert [o.measurements[0].value for o in ev.outcomes[1:]] == ["60.3", "73.5"]


def test_evidence_files_ingest_like_any_record() -> None:
    (item,) = read_paths([CURATED / "evidence" / "navarrete-dechent-2019.yaml"])
    assert isinstance(item, Evidence) and item.key == "navarrete-dechent-2019"
    store = TrialStore.memory()
    report = store.ingest([item])
    assert (report.loaded, report.failed) == (1, 0)
    assert "https://w3id.org/trialkg/graph/evidence/navarrete-dechent-2019" in store.named_graphs()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("record_type: trial\ntrial_id: NCT1\nsource: {url: 'https://x.org', retrieved: "
         "'2024-01-01'}\n", "field trial_id"),
        ("record_type: trial\ntrial_id: NCT00000001\n", "'source' is a required property"),
        ("record_type: trial\ntrial_id: NCT00000001\nsource: {url: 'https://x.org', "
         "retrieved: '2024-01-01'}\nphases: [PHASE9]\n", "field phases.0"),
        ("record_type: trial\ntrial_id: NCT00000001\nsource: {url: 'https://x.org', "
         "retrieved: 2024-01-01}\nresults: {outcomes: [{title: x, measurements: [{}]}]}\n",
         "field results.outcomes.0.measurements.0"),
        ("record_type: trial\ntrial_id: NCT00000001\nsource: {url: 'not a url', "
         "retrieved: '2024-01-01'}\n", "field source.url"),
        ("record_type: trial\ntrial_id: NCT00000001\nsource: {url: 'https://x.org', "
         "retrieved: '2024-01-01'}\nenrolment: 3\n", "enrolment"),
        ("{{{ not: yaml", "not YAML"),
        ("- just\n- a list\n", "expected a curated record"),
    ],
)
def test_bad_curated_file_names_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    (item,) = read_paths([bad])
    assert isinstance(item, RecordError)
    assert str(bad) in str(item) and message in str(item), str(item)
