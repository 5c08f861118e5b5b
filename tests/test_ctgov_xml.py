"""Legacy ClinicalTrials.gov XML importer, on the real records in ../shared/data/ctgov-xml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_studies, shared_path
from trialkg.exceptions import RecordError
from trialkg.model import Study
from trialkg.sources import read_paths
from trialkg.sources.ctgov_xml import enum_code, parse_date, textblock
from trialkg.store import TrialStore


def seed(nct: str) -> Study:
    (study,) = load_studies(shared_path("data", "ctgov-xml", "seed-trials", f"{nct}.xml"))
    return study


def test_nct00287846_classic_record() -> None:
    s = seed("NCT00287846")
    assert s.source_format == "ctgov-xml"
    assert s.lead_sponsor is not None and s.lead_sponsor.name == "UNICANCER"
    assert s.lead_sponsor.org_class == "OTHER"
    assert s.phases == ["PHASE1", "PHASE2"]
    assert (s.enrollment, s.enrollment_type) == (40, "ACTUAL")
    assert s.overall_status == "COMPLETED"
    assert s.start is not None and s.start.value == "2004-09"
    assert s.completion is not None and (s.completion.value, s.completion.kind) == (
        "2010-06", "ACTUAL")
    assert s.org_study_id == "CDR0000441039"
    assert [x.id for x in s.secondary_ids] == ["FRE-FNCLCC-SARCOME-05/0401", "EU-20515"]
    assert (s.study_type, s.intervention_model, s.masking, s.primary_purpose) == (
        "INTERVENTIONAL", "SINGLE_GROUP", "NONE", "TREATMENT")
    assert s.who_masked == []
    assert s.conditions == ["Desmoid Tumor"]
    assert [(i.name, i.type, i.arm_labels) for i in s.interventions] == [
        ("imatinib mesylate", "DRUG", ["Imatinib"])]
    assert [a.type for a in s.arms] == ["EXPERIMENTAL"]
    assert sum(o.kind == "primary" for o in s.outcomes) == 1
    assert sum(o.kind == "secondary" for o in s.outcomes) == 8
    el = s.eligibility
    assert el is not None
    assert (el.sex, el.minimum_age, el.maximum_age, el.healthy_volunteers) == (
        "ALL", "18 Years", "120 Years", False)
    assert el.criteria is not None and el.criteria.startswith("DISEASE CHARACTERISTICS:")
    assert s.officials[0].name == "Jean-Yves Blay, MD, PhD"
    assert s.officials[0].role == "STUDY_CHAIR"
    assert s.sites[0].facility == "Centre Paul Papin" and s.sites[0].city == "Angers"
    assert s.last_update_posted is not None and s.last_update_posted.value == "2016-08-30"
    assert s.has_results is False


def test_browse_terms_link_to_mesh() -> None:
    s = seed("NCT00287846")
    desmoid = next(m for m in s.condition_mesh if m.ui == "D018222")
    assert (desmoid.term, desmoid.method, desmoid.matched_text) == (
        "Fibromatosis, Aggressive", "exact", "Fibromatosis, Aggressive")
    assert [m.ui for m in s.intervention_mesh] == ["D000068877"]  # Imatinib Mesylate
    assert s.condition_mesh_ancestors == []  # XML has none; the MeSH graph supplies them


def test_nct00122473_dfsp_record() -> None:
    s = seed("NCT00122473")
    assert s.lead_sponsor is not None
    assert s.lead_sponsor.name == "Dermatologic Cooperative Oncology Group"
    assert s.phases == ["PHASE1", "PHASE2"]
    assert s.start is not None and s.start.value == "2004-01"
    assert "D018223" in [m.ui for m in s.condition_mesh]  # Dermatofibrosarcoma


def test_nct02495519_yonsei_record() -> None:
    s = seed("NCT02495519")
    assert s.lead_sponsor is not None and s.lead_sponsor.name == "Yonsei University"
    assert (s.enrollment, s.enrollment_type) == (21, "ANTICIPATED")
    assert s.phases == ["PHASE2"]
    assert s.overall_status == "ACTIVE_NOT_RECRUITING"  # as of the 2018 snapshot
    assert s.org_study_id == "4-2014-0074"


@pytest.mark.slow  # the supplementary MeSH table is read for drug browse terms
def test_all_aact_fixtures_load() -> None:
    studies = load_studies(shared_path("data", "ctgov-xml", "aact-fixtures"))
    assert len(studies) == 69
    with_results = [s for s in studies if s.has_results]
    assert len(with_results) == 23


@pytest.mark.parametrize(
    ("original", "variant", "title"),
    [
        ("NCT00513591.xml", "NCT00513591_mod.xml", "This Is An Updated Title"),
        ("raw_study.xml", "raw_study_changed.xml", "Testing File For Import Differences"),
    ],
)
def test_edited_variant_replaces_original(original: str, variant: str, title: str) -> None:
    folder = shared_path("data", "ctgov-xml", "aact-fixtures")
    store = TrialStore.memory()
    first = store.ingest(read_paths([folder / original]))
    assert first.loaded == 1
    second = store.ingest(read_paths([folder / variant]))
    assert (second.loaded, second.replaced) == (1, 1)
    (nct,) = store.study_ids()
    rows = list(store.store.query(
        "SELECT ?t WHERE { ?s <https://w3id.org/trialkg/vocab#officialTitle> ?t }",
        use_default_graph_as_union=True))
    assert [r[0].value for r in rows] == [title]  # type: ignore[index, union-attr]
    assert nct.startswith("NCT")


def test_old_schema_design_string() -> None:
    (s,) = load_studies(shared_path("data", "ctgov-xml", "aact-fixtures", "example_study.xml"))
    assert s.trial_id == "NCT00002475"
    assert s.last_update_posted is not None and s.last_update_posted.value == "2013-07-09"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not xml", "not XML"),
        (b"<clinical_study><id_info><nct_id>NCT00000001</nct_id>", "malformed XML"),
        (b"<html><body>x</body></html>", "not <clinical_study>"),
        (b"<clinical_study><brief_title>x</brief_title></clinical_study>", "no NCT id"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><clinical_study/>',
         "entity"),
        (b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
         b"<start_date>Spring 2004</start_date></clinical_study>", "start_date"),
    ],
)
def test_bad_xml_is_one_error_naming_the_file(tmp_path: Path, content: bytes,
                                              message: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(content)
    (item,) = read_paths([bad])
    assert isinstance(item, RecordError)
    assert str(bad) in str(item)
    assert message in str(item)


def test_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(b"<clinical_study>")
    good = shared_path("data", "ctgov-xml", "seed-trials", "NCT00287846.xml")
    items = list(read_paths([tmp_path / "a.xml", good]))
    assert isinstance(items[0], RecordError)
    assert isinstance(items[1], Study) and items[1].trial_id == "NCT00287846"


def test_double_masking_names_who_is_masked() -> None:
    (s,) = load_studies(shared_path("data", "ctgov-xml", "aact-fixtures", "NCT02970669.xml"))
    assert s.masking == "DOUBLE"
    assert s.who_masked == ["PARTICIPANT", "INVESTIGATOR"]


def test_translations() -> None:
    assert enum_code("Unknown status") == "UNKNOWN"
    assert parse_date("December 06, 2016") is not None
    assert parse_date("December 06, 2016").value == "2016-12-06"  # type: ignore[union-attr]
    assert parse_date("May 2018", "Anticipated").kind == "ANTICIPATED"  # type: ignore[union-attr]
    assert textblock("  a\n  b\n\n\n  c ") == "a b\n\nc"
