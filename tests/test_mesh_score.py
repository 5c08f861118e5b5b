"""The linker scored against ClinicalTrials.gov's own condition → MeSH mapping.

Runs ``scripts/score_linker.py`` on ``../shared/data/ctgov-v2`` (72 studies, 63 with condition
browse terms). Reached with the default settings (condition branches C, F01, F03; nested
heads; adjectives read as nouns): precision 0.895, recall 0.712 (tp 94, fp 11, fn 38); odd
studies 0.893 / 0.746, even studies 0.898 / 0.677. The issue's target (0.95 / 0.75) is not
reached: most misses are synonyms ClinicalTrials.gov takes from outside MeSH ("Atopic
Dermatitis" → Eczema, "Alcohol Use Disorder" → Alcoholism), terms from keywords, or terms it
adds for one record and not for another with the same text ("Neoplasms, Plasma Cell" for
"Multiple Myeloma", "Hypertension" for "Pulmonary Arterial Hypertension"). Only 89 of the
132 truth pairs are named in the conditions by any MeSH term at all (``--ceiling``), so a
recall of 0.75 needs terms the text does not name.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CTGOV = ROOT.parent / "shared" / "data" / "ctgov-v2"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared,
    pytest.mark.skipif(not CTGOV.is_dir(), reason="../shared/data/ctgov-v2 is absent"),
]


def run_score(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "score_linker.py"), *args],
        capture_output=True, text=True, check=True, timeout=300,
    )
    figures = dict(re.findall(r"^(\w+)\s+([\d.]+)", done.stdout, re.MULTILINE))
    return {k: float(v) for k, v in figures.items()}


@pytest.fixture(scope="module")
def default_score() -> dict[str, float]:
    return run_score("--ceiling")


def test_counts(default_score: dict[str, float]) -> None:
    assert default_score["studies"] == 72
    assert default_score["tp"] + default_score["fn"] == 132  # truth pairs


def test_reached_figures(default_score: dict[str, float]) -> None:
    assert default_score["precision"] >= 0.89
    assert default_score["recall"] >= 0.71


def test_ceiling_of_named_terms(default_score: dict[str, float]) -> None:
    # e.g. NCT05809934's "Nonalcoholic Steatohepatitis" names none of its three truth terms
    # (Non-alcoholic Fatty Liver Disease, Fatty Liver, Fibrosis) in MeSH 2025's wording
    assert default_score["named"] == 89
    assert default_score["ceiling"] < 0.75


def test_split_halves() -> None:
    split = run_score("--split")
    assert split["odd_studies"] + split["even_studies"] == 63
    for half in ("odd", "even"):
        assert split[f"{half}_precision"] >= 0.87
        assert split[f"{half}_recall"] >= 0.67
    assert split["odd_tp"] + split["even_tp"] == split["tp"]


def test_beats_exact_matching_recall(default_score: dict[str, float]) -> None:
    flat = run_score("--flat")
    assert flat["precision"] >= 0.88
    assert default_score["recall"] > flat["recall"] + 0.1


@pytest.mark.xfail(strict=True, reason="issue 4 target (P>=0.95, R>=0.75) not reached yet")
def test_issue_target(default_score: dict[str, float]) -> None:
    assert default_score["precision"] >= 0.95 and default_score["recall"] >= 0.75
