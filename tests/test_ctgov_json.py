"""The API v2 importer: facts checkable in the source JSON, every container, bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, load_studies
from trialkg.exceptions import InputFormatError, RecordError
from trialkg.model import Study
from trialkg.sources import read_paths
from trialkg.sources.ctgov_json import read_bytes

# --- our own small records (no ../shared needed) -----------------------------------------


def test_own_record_maps_every_module() -> None:
    (study,) = load_studies(DATA / "ctgov-v2" / "NCT99000001.json")
    assert study.trial_id == "NCT99000001"
    assert study.version == "2024-01-15"
    assert study.lead_sponsor is not None
    assert study.lead_sponsor.name == "Example University Hospital"
    assert [c.name for c in study.collaborators] == ["Novartis", 'Tab\tand "quotes" <Org>']
    assert study.phases == ["PHASE1", "PHASE2"]
    assert study.start is not None
    assert (study.start.value, study.start.kind) == ("2010-03", "ACTUAL")
    assert study.enrollment == 40 and study.enrollment_type == "ACTUAL"
    assert [o.kind for o in study.outcomes] == ["primary", "secondary", "secondary"]
    assert study.interventions[0].other_names == ["Glivec", "STI571"]
    assert [s.city for s in study.sites] == ["Lyon", "Seoul"]
    assert study.eligibility is not None and study.eligibility.minimum_age == "18 Years"
    assert [m.ui for m in study.condition_mesh] == ["D018222"]  # D000018222 normalised
    assert [m.ui for m in study.condition_mesh_ancestors] == ["D018220", "D009369"]
    assert study.condition_mesh[0].relevance == "HIGH"
    assert study.condition_mesh[0].matched_text == "Aggressive Fibromatosis"
    assert [m.ui for m in study.intervention_mesh] == ["D000068877"]  # genuine 10-char id


def test_api_page_container() -> None:
    (study,) = load_studies(DATA / "ctgov-v2" / "page-NCT99000002.json")
    assert study.trial_id == "NCT99000002"
    assert study.record == "studies[0]"


# --- real records -------------------------------------------------------------------------


@pytest.mark.shared
def test_real_record_facts(ctgov_v2_dir: Path) -> None:
    (study,) = load_studies(ctgov_v2_dir / "NCT04267848.2025-09-11.json")
    assert study.lead_sponsor is not None
    assert study.lead_sponsor.name == "National Cancer Institute (NCI)"
    assert study.lead_sponsor.org_class == "NIH"
    assert study.phases == ["PHASE3"]
    assert len(study.arms) == 3
    assert len(study.outcomes) == 8  # 1 primary, 4 secondary, 3 other
    assert len(study.sites) == 1148
    assert study.version == "2025-09-11"
    assert [m.ui for m in study.condition_mesh] == ["D002289", "D008175"]
    assert "C044245" in [m.ui for m in study.intervention_mesh]


@pytest.mark.shared
def test_padded_mesh_ids_in_real_record(ctgov_v2_dir: Path) -> None:
    (study,) = load_studies(ctgov_v2_dir / "NCT00763412.json")
    assert study.lead_sponsor is not None and study.lead_sponsor.org_class == "INDIV"
    assert [m.ui for m in study.condition_mesh] == [
        "D003550", "D010188", "D003920", "D011236", "D018149", "D005355"
    ]
    assert [m.ui for m in study.intervention_mesh] == ["C072379"]
    assert study.enrollment == 31 and study.phases == ["NA"]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "count", "first"),
    [
        ("download-array-1.json", 1, None),
        ("download-array-10.json", 10, "NCT05923281"),
        ("download-array-50.json", 50, None),
        ("api-page-5.json", 5, "NCT06476470"),
        ("NCT03281889.json", 1, "NCT03281889"),  # wrapped as {"studies": [...]}
        ("NCT06388018.json", 1, "NCT06388018"),
        ("NCT03418623.json", 1, "NCT03418623"),  # a single study object
    ],
)
def test_every_container_shape(
    ctgov_v2_dir: Path, name: str, count: int, first: str | None
) -> None:
    studies = load_studies(ctgov_v2_dir / name)
    assert len(studies) == count
    if first:
        assert studies[0].trial_id == first


@pytest.mark.shared
def test_json_lines_and_zip_of_real_records(ctgov_v2_dir: Path, tmp_path: Path) -> None:
    array = json.loads((ctgov_v2_dir / "download-array-10.json").read_bytes())
    jsonl = tmp_path / "ten.jsonl"
    jsonl.write_text("\n".join(json.dumps(s) for s in array) + "\n")
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in array]
    assert [s.trial_id for s in load_studies(jsonl)] == ids
    bulk = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(bulk, "w") as z:
        for s in array:
            z.writestr(s["protocolSection"]["identificationModule"]["nctId"] + ".json",
                       json.dumps(s))
    assert [s.trial_id for s in load_studies(bulk)] == sorted(ids)
    # a directory of these reads them all
    assert len(load_studies(tmp_path)) == 20


# --- bad input: one clear error per bad record, the rest still load -----------------------


def _errors(data: bytes, name: str = "f.json") -> list[str]:
    return [str(i) for i in read_bytes(data, name) if isinstance(i, RecordError)]


def test_malformed_json_is_one_error_naming_the_file() -> None:
    (msg,) = _errors(b'{"protocolSection": {', "broken.json")
    assert msg.startswith("broken.json: malformed JSON")


def test_not_json_at_all() -> None:
    (msg,) = _errors(b"<html><body>Not found</body></html>", "page.json")
    assert msg.startswith("page.json: not JSON")


def test_retired_v1_api_file() -> None:
    v1 = {"FullStudiesResponse": {"APIVrs": "1.01.05", "FullStudies": [
        {"Rank": 1, "Study": {"ProtocolSection": {
            "IdentificationModule": {"NCTId": "NCT00122473"}}}}
    ]}}
    (msg,) = _errors(json.dumps(v1).encode(), "v1.json")
    assert "retired ClinicalTrials.gov API v1" in msg and msg.startswith("v1.json")


def test_r_jsonlite_boxed_scalars() -> None:
    boxed = [{"protocolSection": [{"identificationModule": [{"nctId": ["NCT00122473"]}]}]}]
    (msg,) = _errors(json.dumps(boxed).encode(), "r.json")
    assert "one-element list" in msg and "r.json [#0]" in msg


def test_record_without_nct_id_names_its_index_and_others_load() -> None:
    good = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_text())
    bad = json.loads(json.dumps(good))
    del bad["protocolSection"]["identificationModule"]["nctId"]
    items = list(read_bytes(json.dumps([good, bad, good]).encode(), "dl.json"))
    assert [type(i).__name__ for i in items] == ["Study", "RecordError", "Study"]
    assert str(items[1]) == ("dl.json [#1]: record has no NCT id "
                             "(protocolSection.identificationModule.nctId)")


def test_wrong_type_names_the_field_and_nct_id() -> None:
    rec = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_text())
    rec["protocolSection"]["designModule"]["phases"] = "PHASE2"
    (item,) = read_bytes(json.dumps(rec).encode(), "x.json")
    assert isinstance(item, RecordError)
    assert "NCT99000001" in str(item) and ".designModule.phases: expected a list" in str(item)


def test_truncated_zip(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("NCT99000001.json", (DATA / "ctgov-v2" / "NCT99000001.json").read_text())
    path = tmp_path / "ctg-studies.json.zip"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (item,) = read_paths([path])
    assert isinstance(item, InputFormatError)
    assert str(item).startswith(f"{path}: not a readable zip archive")


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    odd = tmp_path / "notes.docx"
    odd.write_text("x")
    items = list(read_paths([odd, tmp_path / "missing.json"]))
    assert all(isinstance(i, InputFormatError) for i in items)
    assert "unknown file type '.docx'" in str(items[0])
    assert "no such file" in str(items[1])


def test_a_directory_reads_every_record_in_name_order() -> None:
    studies = load_studies(DATA / "ctgov-v2")
    assert all(isinstance(s, Study) for s in studies)
    assert [s.trial_id for s in studies] == ["NCT99000001", "NCT99000002"]
