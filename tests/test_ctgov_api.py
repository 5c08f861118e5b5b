"""The API client's pure parts: how a person's words become the API's parameters."""

from __future__ import annotations

import pytest

from trialkg.sources.ctgov_api import (
    Search,
    archive_url,
    normalise_phase,
    normalise_status,
)
from trialkg.web.http import _retry_after


@pytest.mark.parametrize(("text", "code"), [
    ("completed", "COMPLETED"), ("Not yet recruiting", "NOT_YET_RECRUITING"),
    ("active, not recruiting", "ACTIVE_NOT_RECRUITING"), ("WITHDRAWN", "WITHDRAWN"),
])
def test_statuses(text: str, code: str) -> None:
    assert normalise_status(text) == code


@pytest.mark.parametrize(("text", "code"), [
    ("phase 2", "PHASE2"), ("2", "PHASE2"), ("Phase-3", "PHASE3"), ("PHASE4", "PHASE4"),
    ("early phase 1", "EARLY_PHASE1"), ("Early_Phase1", "EARLY_PHASE1"), ("0", "EARLY_PHASE1"),
    ("n/a", "NA"), ("NA", "NA"),
])
def test_phases(text: str, code: str) -> None:
    assert normalise_phase(text) == code


def test_a_users_expression_is_grouped_before_and() -> None:
    search = Search(advanced="AREA[Phase]PHASE2 OR AREA[Phase]PHASE3")
    assert search.params("2026-01-01")["filter.advanced"] == (
        "(AREA[Phase]PHASE2 OR AREA[Phase]PHASE3) AND "
        "AREA[LastUpdatePostDate]RANGE[2026-01-01,MAX]")


@pytest.mark.parametrize("text", ["phase 5", "early 2", "recruit"])
def test_unknown_phases_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        normalise_phase(text)


def test_params_combine_filters_into_one_advanced_expression() -> None:
    search = Search(condition="desmoid", statuses=("RECRUITING", "COMPLETED"),
                    phases=("PHASE2", "PHASE3"), advanced="AREA[StudyType]INTERVENTIONAL")
    assert search.params("2026-01-01") == {
        "query.cond": "desmoid",
        "filter.overallStatus": "RECRUITING|COMPLETED",
        "filter.advanced": "AREA[StudyType]INTERVENTIONAL AND "
                           "(AREA[Phase]PHASE2 OR AREA[Phase]PHASE3) AND "
                           "AREA[LastUpdatePostDate]RANGE[2026-01-01,MAX]",
    }


def test_a_search_round_trips_through_its_saved_form() -> None:
    search = Search(sponsor="Johnson & Johnson", phases=("PHASE3",), statuses=("RECRUITING",))
    assert Search.from_dict(search.as_dict()) == search
    assert search.default_name() == "johnson-johnson-recruiting-phase3"


def test_archive_address_follows_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALKG_CTGOV_ARCHIVE", raising=False)
    assert archive_url(None) == ("https://clinicaltrials.gov/api/int/studies/download"
                                 "?format=json.zip")
    assert archive_url("http://127.0.0.1:9/api/v2/") == (
        "http://127.0.0.1:9/api/int/studies/download?format=json.zip")
    monkeypatch.setenv("TRIALKG_CTGOV_ARCHIVE", "http://mirror/ctg.zip")
    assert archive_url(None) == "http://mirror/ctg.zip"


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert _retry_after("3") == 3.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert _retry_after("soon") is None
