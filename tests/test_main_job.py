"""The main job, as the README runs it: no store set up, the bundled graph answers.

Expected values are checkable in the seeds (../shared/seeds) and the seed trials' records
(../shared/data/ctgov-xml/seed-trials), from which graph/ was built.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli


def _rows(done: object) -> list[dict[str, str]]:
    data = json.loads(done.stdout)  # type: ignore[attr-defined]
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


@pytest.fixture()
def no_store(tmp_path: Path) -> dict[str, str]:
    """A user with no store yet (empty data folder): queries fall back to the bundled graph."""
    return {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}


def test_main_job_answers_from_the_bundled_graph(no_store: dict[str, str]) -> None:
    done = run_cli("query", "run", "imatinib-dfsp-desmoid", "--format", "json", env=no_store)
    assert done.returncode == 0, done.stderr
    rows = {(r["disease"], r["trialId"]): r for r in _rows(done)}
    assert sorted(rows) == [
        ("DFSP", "EORTC-62027"), ("DFSP", "NCT00122473"), ("DFSP", "NCT00171912"),
        ("desmoid tumour", "NCT00287846"), ("desmoid tumour", "NCT02495519"),
    ]
    eortc = rows[("DFSP", "EORTC-62027")]
    assert eortc["enrollment"] == "16" and eortc["phases"] == "PHASE2"  # seed 001
    assert "Shrank 5/14" in eortc["results"] and "Grew 3/14" in eortc["results"]
    assert rows[("DFSP", "NCT00122473")]["sponsor"] == "Dermatologic Cooperative Oncology Group"
    unicancer = rows[("desmoid tumour", "NCT00287846")]
    assert (unicancer["sponsor"], unicancer["enrollment"]) == ("UNICANCER", "40")
    assert unicancer["phases"] == "PHASE1/PHASE2"  # as every query writes a combined phase
    yonsei = rows[("desmoid tumour", "NCT02495519")]
    assert (yonsei["sponsor"], yonsei["enrollment"]) == ("Yonsei University", "21")
    # the 2018 registry record and the later page (seed 002) disagree; both are shown
    assert set(yonsei["status"].split(" | ")) == {"ACTIVE_NOT_RECRUITING", "COMPLETED"}


def test_rates_by_mesh_names_put_evidence_beside_trials(no_store: dict[str, str]) -> None:
    done = run_cli("query", "run", "response-rates", "-p", "intervention=imatinib",
                   "-p", "condition=dermatofibrosarcoma protuberans", "--format", "json",
                   env=no_store)
    assert done.returncode == 0, done.stderr
    rates = {(r["sourceKind"], r["category"]): r["rate"] for r in _rows(done)}
    assert rates == {  # seed 004 (the review) and seed 001 (EORTC 62027: 5, 6, 3 of 14)
        ("evidence", "Complete response"): "5.2", ("evidence", "Partial response"): "55.2",
        ("evidence", "Stable disease"): "27.6", ("evidence", "Progressive disease"): "9.2",
        ("trial", "Shrank"): "35.7", ("trial", "Stable"): "42.9", ("trial", "Grew"): "21.4",
    }


def test_an_unknown_mesh_name_is_a_usage_error(no_store: dict[str, str]) -> None:
    done = run_cli("query", "run", "trials-by-drug", "-p", "drug=no such drug xyzzy",
                   env=no_store)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "trialkg: error: parameter 'drug': expected a MeSH id, or a MeSH descriptor's name "
        "or synonym, got 'no such drug xyzzy'")


@pytest.mark.slow
def test_the_bundled_graph_validates(no_store: dict[str, str]) -> None:
    done = run_cli("validate", env=no_store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("conforms: 0 violations, 0 warnings")
