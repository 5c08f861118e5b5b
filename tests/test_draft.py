"""Page drafts on the five seed pages (values a person can check in each seed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli, shared_path
from trialkg.sources.curated import validate
from trialkg.sources.draft import draft_from_text


def seed(prefix: str) -> Path:
    folder = shared_path("seeds")
    (path,) = sorted(folder.glob(f"{prefix}_*.txt"))
    return path


def fields(prefix: str) -> dict[str, object]:
    return draft_from_text(seed(prefix).read_text("utf-8")).fields


def test_classic_ctgov_page_003() -> None:
    f = fields("003")
    assert f["trial_id"] == "NCT00287846"
    assert f["status"] == "COMPLETED"
    assert f["phases"] == ["PHASE1", "PHASE2"]
    assert f["enrollment"] == 40
    assert (f["start"], f["completion"]) == ("2004-09", "2010-06")
    assert f["conditions"] == ["Desmoid Tumor"]
    assert f["interventions"] == [{"name": "imatinib mesylate", "type": "DRUG"}]
    outcomes = f["outcomes"]
    assert isinstance(outcomes, list) and len(outcomes) == 9
    assert outcomes[0] == {"kind": "primary", "measure": "Non-progression rate",
                           "time_frame": "3 months"}
    assert f["eligibility"] == {"minimum_age": "18 Years", "maximum_age": "120 Years",
                                "sex": "ALL", "healthy_volunteers": False}


def test_newer_ctgov_style_page_000() -> None:
    f = fields("000")
    assert f["trial_id"] == "NCT00122473"  # not the see-also trials listed below it
    assert f["sponsor"] == "Dermatologic Cooperative Oncology Group"
    assert (f["status"], f["phases"]) == ("COMPLETED", ["PHASE1", "PHASE2"])
    assert (f["start"], f["completion"]) == ("2004-01", "2007-01")
    assert "title" not in f  # the page shows no title


def test_third_party_registry_page_002() -> None:
    f = fields("002")
    assert f["trial_id"] == "NCT02495519"
    assert f["sponsor"] == "Yonsei University"
    assert f["enrollment"] == 21
    assert f["sites"] == [{"facility": "Severance Hospital, Yonsei University Health System",
                           "city": "Seoul", "country": "Korea, Republic of"}]
    assert f["eligibility"] == {"minimum_age": "10 Years", "sex": "ALL"}


def test_cruk_summary_001() -> None:
    f = fields("001")
    assert f["trial_id"] == "EORTC-62027"
    assert f["phases"] == ["PHASE2"]
    assert f["enrollment"] == 16
    assert f["chief_investigator"] == "Dr Michael Leahy"
    assert f["supporters"] == [
        "European Organisation for Research and Treatment of Cancer (EORTC)",
        "Experimental Cancer Medicine Centre (ECMC)"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_draft_validates_once_the_source_is_filled(tmp_path: Path, prefix: str) -> None:
    done = run_cli("draft", str(seed(prefix)), "-o", str(tmp_path / "d.yaml"))
    assert done.returncode == 0, done.stderr
    doc = yaml.safe_load((tmp_path / "d.yaml").read_text("utf-8"))
    assert any("source.url" in x for x in validate(doc))  # a person must fill it
    doc["source"]["url"] = "https://example.org/page"
    assert validate(doc) == []


def test_news_item_is_no_trial(tmp_path: Path) -> None:
    done = run_cli("draft", str(seed("004")))
    assert done.returncode == 1
    assert "no trial found" in done.stderr and "Traceback" not in done.stderr
    doc = yaml.safe_load(done.stdout)
    assert "trial_id" not in doc and "#   - trial_id" in done.stdout


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary\xff", b"lorem ipsum dolor"])
def test_not_a_page_never_crashes(tmp_path: Path, content: bytes) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(content)
    done = run_cli("draft", str(page))
    assert done.returncode == 1
    assert done.stderr.strip().endswith("the draft is empty")
    assert "Traceback" not in done.stderr
