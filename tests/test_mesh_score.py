"""The linker scored against ClinicalTrials.gov's own condition → MeSH mapping.

Runs ``scripts/score_linker.py`` on ``../shared/data/ctgov-v2`` (72 studies, 63 with condition
browse terms). Reached with the default settings (condition branches C, F01, F03; nested
heads; adjectives read as nouns) and the MeSH 2024 terms in the bundle: precision 0.896,
recall 0.780 (tp 103, fp 12, fn 29); odd studies 0.885 / 0.806, even studies 0.907 / 0.754.
The issue's target (0.95 / 0.75) is not
reached: most misses are synonyms ClinicalTrials.gov takes from outside MeSH ("Atopic
Dermatitis" → Eczema), terms from keywords, or terms it adds for one record and not for
another with the same text ("Neoplasms, Plasma Cell" for "Multiple Myeloma", "Hypertension"
for "Pulmonary Arterial Hypertension"). Only 98 of the 132 truth pairs are named in the
conditions by any MeSH term at all (``--ceiling``).

``--judged`` scores against trialkg's own judged set (``scripts/judged/``), which is what the
linker is held to now (README, "How links are judged").
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
    assert default_score["recall"] >= 0.78


def test_ceiling_of_named_terms(default_score: dict[str, float]) -> None:
    # e.g. NCT05809934's "Nonalcoholic Steatohepatitis" names none of its three truth terms
    # (Non-alcoholic Fatty Liver Disease, Fatty Liver, Fibrosis) in MeSH 2025's wording
    assert default_score["named"] == 98
    assert default_score["ceiling"] < 0.75


def test_split_halves() -> None:
    split = run_score("--split")
    assert split["odd_studies"] + split["even_studies"] == 63
    for half in ("odd", "even"):
        assert split[f"{half}_precision"] >= 0.88
        assert split[f"{half}_recall"] >= 0.75
    assert split["odd_tp"] + split["even_tp"] == split["tp"]


def test_beats_exact_matching_recall(default_score: dict[str, float]) -> None:
    flat = run_score("--flat")
    assert flat["precision"] >= 0.88
    assert default_score["recall"] > flat["recall"] + 0.1


@pytest.mark.xfail(strict=True, reason="issue 4 target (P>=0.95, R>=0.75) not reached yet")
def test_issue_target(default_score: dict[str, float]) -> None:
    assert default_score["precision"] >= 0.95 and default_score["recall"] >= 0.75


@pytest.fixture(scope="module")
def judged() -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "score_linker.py"), "--judged", "--figures"],
        capture_output=True, text=True, check=True, timeout=300,
    )
    return {k: float(v) for k, v in re.findall(r"^(\w+)\t([\d.]+)$", done.stdout, re.MULTILINE)}


def test_judged_set_covers_every_condition_string(judged: dict[str, float]) -> None:
    assert judged["condition_all_items"] == 310
    assert judged["condition_A_items"] + judged["condition_B_items"] == 310
    assert judged["intervention_all_items"] == 144


def test_judged_figures_both_halves(judged: dict[str, float]) -> None:
    """Measured: conditions A 0.970 / 0.935 (0.954 / 0.906 before an organ's other names,
    conjuncts sharing the last word and names without their head word), B 0.940 / 0.848;
    interventions A 0.957 / 0.918, B 0.957 / 0.892 (precision / recall against the
    judgements); interventions strictly against the registry's lists A 0.698 / 0.552,
    B 0.831 / 0.646 (0.649 and 0.780 before dosage forms and abbreviations left the
    intervention kind)."""
    for half in ("A", "B"):
        assert judged[f"condition_{half}_jp"] >= 0.93
        assert judged[f"condition_{half}_jr"] >= 0.84
        assert judged[f"intervention_{half}_jp"] >= 0.92
        assert judged[f"intervention_{half}_jr"] >= 0.88
    assert judged["condition_A_jp"] >= 0.96 and judged["condition_A_jr"] >= 0.92
    assert judged["intervention_A_rp"] >= 0.69 and judged["intervention_B_rp"] >= 0.82
    assert judged["intervention_A_rr"] >= 0.55 and judged["intervention_B_rr"] >= 0.64
    # the linker beats the registry's own mapping judged by the same rules, on precision
    assert judged["condition_all_jp"] > judged["condition_all_op"] + 0.2


@pytest.mark.xfail(strict=True, reason="issue 17 targets (P>=0.95, R>=0.90) not reached on B")
def test_issue_17_condition_target(judged: dict[str, float]) -> None:
    assert judged["condition_B_jp"] >= 0.95 and judged["condition_B_jr"] >= 0.90


@pytest.mark.xfail(strict=True, reason="issue 17 intervention targets (strict P>=0.92, R>=0.75) "
                   "not reached: the registry adds classes and lacks correct links (README)")
def test_issue_17_intervention_target(judged: dict[str, float]) -> None:
    assert judged["intervention_B_rp"] >= 0.92 and judged["intervention_B_rr"] >= 0.75
