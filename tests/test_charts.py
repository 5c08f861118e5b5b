"""Charts of stored queries, drawn from the bundled graph: the marks a person can count in
the records (one bar per dated trial, one cell per phase and status ...), pictures that are
not blank, and one clear line for a chart that cannot be made."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from tests.conftest import run_cli
from tests.pngimage import coloured, read_png
from trialkg.queries import LocalExecutor, QueryLibrary, run_stored
from trialkg.queries.charts import chart_spec, json_rows, render, scenegraph_marks
from trialkg.store.bundled import load_bundled

_SVG = "{http://www.w3.org/2000/svg}"
#: the five imatinib trials of the bundled graph (graph/study/)
IMATINIB_TRIALS = ["EORTC-62027", "NCT00122473", "NCT00171912", "NCT00287846", "NCT02495519"]


@pytest.fixture(scope="module")
def executor() -> LocalExecutor:
    return LocalExecutor(load_bundled())


def spec_of(executor: LocalExecutor, name: str, **params: str) -> tuple[dict[str, Any], list[
        dict[str, Any]]]:
    query = QueryLibrary.default().get(name)
    result = run_stored(query, params, executor)
    assert isinstance(result, ox.QuerySolutions)
    columns, rows = json_rows(result)
    return chart_spec(query.header["chart"], rows, title=query.summary, columns=columns), rows


def svg_marks(svg: bytes) -> dict[str, int]:
    """Items drawn per mark type, read from the SVG (one element per item)."""
    out: dict[str, int] = {}
    for g in ET.fromstring(svg).iter(f"{_SVG}g"):
        kind = g.get("class", "")
        if "role-mark" in kind:
            name = kind.split()[0].removeprefix("mark-")
            out[name] = out.get(name, 0) + len(list(g))
    return out


def test_timeline_svg_names_the_five_imatinib_trials(executor: LocalExecutor) -> None:
    spec, rows = spec_of(executor, "timeline", drug="imatinib")
    assert sorted(r["label"] for r in rows) == IMATINIB_TRIALS
    svg = render(spec, "svg")
    texts = {t.text for t in ET.fromstring(svg).iter(f"{_SVG}text")}
    assert set(IMATINIB_TRIALS) <= texts
    # four bars from start to end; EORTC-62027's record gives no dates: a note, not a bar
    assert svg_marks(svg) == {"rect": 4, "text": 1}
    assert "no dates in the record" in texts
    # NCT02495519 (active, not recruiting) ends 2018-12, estimated: its own status colour
    assert {r["endKind"] for r in rows if r["label"] == "NCT02495519"} == {"estimated"}


def test_phase_status_png_is_drawn_with_a_cell_per_row(executor: LocalExecutor) -> None:
    spec, rows = spec_of(executor, "phase-status-counts")
    # five phase x status pairs in the bundled graph, one cell and one count each
    assert {(r["phase"], r["status"]) for r in rows} >= {("PHASE2", "COMPLETED"),
                                                        ("NONE", "RECRUITING")}
    assert len(rows) == 5
    assert scenegraph_marks(spec) == {"rect": 5, "text": 5}
    png = render(spec, "png", scale=1)
    width, height, pixels = read_png(png)
    assert 200 < width < 2000 and 100 < height < 2000 and len(png) > 5_000
    assert coloured(pixels) > 0.02 * width * height  # blue cells, not a blank picture


def test_sites_rollup_and_enrollment_have_a_bar_per_row(executor: LocalExecutor) -> None:
    spec, rows = spec_of(executor, "sites-by-country")
    assert {r["country"]: r["sites"] for r in rows}["France"] == 27
    assert scenegraph_marks(spec) == {"rect": len(rows)}
    spec, rows = spec_of(executor, "condition-rollup", condition="D018204")
    # Dermatofibrosarcoma: the 5 DFSP trials, each linked to it directly
    assert {r["name"]: (r["trials"], r["direct"]) for r in rows}["Dermatofibrosarcoma"] == (
        5, 5)
    assert scenegraph_marks(spec) == {"rect": 2 * len(rows), "text": len(rows)}
    spec, rows = spec_of(executor, "enrollment-by-phase")
    assert scenegraph_marks(spec) == {"rect": len(rows), "text": len(rows)}


def test_response_rates_show_trial_counts_beside_pooled_evidence(
        executor: LocalExecutor) -> None:
    spec, _ = spec_of(executor, "response-rates", intervention="D000068877",
                      condition="D018223")
    svg = render(spec, "svg")
    texts = {t.text for t in ET.fromstring(svg).iter(f"{_SVG}text")}
    # EORTC 62027: 5 shrank, 6 stable, 3 grew of 14; the review's pooled rates
    assert {"5 of 14 (35.7 %)", "6 of 14 (42.9 %)", "3 of 14 (21.4 %)"} <= texts
    assert {f"{v} % (pooled)" for v in ("5.2", "55.2", "27.6", "9.2")} <= texts
    assert svg_marks(svg)["rect"] == 7


def test_html_works_offline(executor: LocalExecutor) -> None:
    spec, _ = spec_of(executor, "sites-by-country")
    html = render(spec, "html").decode()
    assert "vegaEmbed" in html and "<script src=" not in html  # the JavaScript is inline


@pytest.mark.slow
def test_plot_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "timeline.png"
    done = run_cli("plot", "timeline", "-p", "drug=imatinib", "-o", str(out), "--scale", "1",
                   env={"XDG_DATA_HOME": str(tmp_path), "TRIALKG_STORE": ""})
    assert done.returncode == 0, done.stderr
    width, height, pixels = read_png(out)
    assert coloured(pixels) > 0.05 * width * height  # the bars
    assert "5 rows" in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["plot", "trial-card", "-p", "trial=NCT00122473", "-o", "x.png"],
     "query 'trial-card' has no chart"),
    (["plot", "timeline", "-o", "x.gif"], "cannot write a chart as .gif"),
    (["plot", "timeline", "-p", "colour=red", "-o", "x.svg"], "has no parameter 'colour'"),
])
def test_chart_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_cli(*args, cwd=tmp_path,
                   env={"XDG_DATA_HOME": str(tmp_path), "TRIALKG_STORE": ""})
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("x.*"))
