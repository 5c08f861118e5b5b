"""The serve page shows a stored query's chart under its table: opened in headless Chromium
on the bundled graph, screenshotted, and the chart checked as drawn."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from servers import trialkg_serve

from tests.pngimage import coloured, read_png


@pytest.fixture(scope="module")
def bundled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`trialkg serve` with no store: the bundled graph."""
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "XDG_DATA_HOME": str(home)}
    env.pop("TRIALKG_STORE", None)
    with trialkg_serve(env=env) as base:
        yield base


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_chart_and_bound_routes(bundled_server: str) -> None:
    status, ctype, body = _get(f"{bundled_server}/chart?name=timeline&drug=D000068877")
    assert status == 200 and ctype == "image/svg+xml"
    for trial in ("EORTC-62027", "NCT00122473", "NCT00171912", "NCT00287846", "NCT02495519"):
        assert trial.encode() in body
    status, _, body = _get(f"{bundled_server}/bound?name=timeline&drug=D000068877")
    assert status == 200 and b"VALUES ?drug { <http://id.nlm.nih.gov/mesh/D000068877> }" in body
    # a text parameter runs on the index (opened once, used by the server's threads)
    for _ in range(2):
        status, _, body = _get(f"{bundled_server}/bound?name=trials-matching&text=desmoid")
        assert status == 200, body
        assert b"<https://identifiers.org/clinicaltrials:NCT02495519>" in body
    status, _, body = _get(f"{bundled_server}/chart?name=trial-card&trial=NCT00122473")
    assert status == 404 and b"has no chart" in body
    status, _, body = _get(f"{bundled_server}/chart?name=timeline&drug=zz")
    assert status == 400 and b"parameter 'drug'" in body


@pytest.mark.slow
def test_page_shows_the_chart_under_the_table(bundled_server: str, tmp_path: Path) -> None:
    exe = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(n)), None)
    if exe is None:
        pytest.skip("needs Chromium for the page check (apt-get install -y chromium)")
    url = f"{bundled_server}/?{urlencode({'query': 'timeline', 'drug': 'D000068877'})}"
    shot = tmp_path / "page.png"
    common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--virtual-time-budget=15000", "--window-size=1400,1800"]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([exe, *common, f"--user-data-dir={profile}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=120).stdout
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, *common, f"--user-data-dir={profile}",
                        "--force-device-scale-factor=0.5", f"--screenshot={shot}", url],
                       capture_output=True, text=True, timeout=120)
    # the table of the five imatinib trials, then the chart's picture under it
    assert 'id="result-table"' in dom and dom.count("<tr>") == 6, dom[-3000:]
    assert dom.index('id="result-table"') < dom.index('id="chart-img"')
    assert 'name="drug"' in dom  # an input per parameter
    width, height, pixels = read_png(shot)
    # the page itself is black on white; only the chart's bars (status colours) are coloured
    assert coloured(pixels) > 0.002 * width * height, "the chart is not drawn"
