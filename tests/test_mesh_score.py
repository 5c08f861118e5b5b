"""The linker scored against ClinicalTrials.gov's own condition → MeSH mapping.

Runs ``scripts/score_linker.py`` on ``../shared/data/ctgov-v2`` (72 studies, 63 with condition
browse terms). Reached with the default settings (condition branches C, F01, F03; nested
heads): precision 0.881, recall 0.674. The issue's target (0.95 / 0.75) is not reached: most
misses are terms ClinicalTrials.gov adds beyond the text (parents such as "Neoplasms, Plasma
Cell" for "Multiple Myeloma", "Aggression" for "Aggressive NK Cell Leukemia").
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
    return run_score()


def test_counts(default_score: dict[str, float]) -> None:
    assert default_score["studies"] == 72
    assert default_score["tp"] + default_score["fn"] == 132  # truth pairs


def test_reached_figures(default_score: dict[str, float]) -> None:
    assert default_score["precision"] >= 0.87
    assert default_score["recall"] >= 0.66


def test_beats_exact_matching_recall(default_score: dict[str, float]) -> None:
    flat = run_score("--flat")
    assert flat["precision"] >= 0.88
    assert default_score["recall"] > flat["recall"] + 0.1


@pytest.mark.xfail(strict=True, reason="issue 4 target (P>=0.95, R>=0.75) not reached yet")
def test_issue_target(default_score: dict[str, float]) -> None:
    assert default_score["precision"] >= 0.95 and default_score["recall"] >= 0.75
