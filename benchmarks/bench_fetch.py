"""Benchmark ``trialkg fetch`` against a local stand-in for the ClinicalTrials.gov API.

    python benchmarks/bench_fetch.py [--studies 10000] [--page-size 1000] [--output FILE]

The stand-in (tests/ctgov_server.py, on 127.0.0.1) serves the real records of
../shared/data/ctgov-v2 resampled under new NCT ids (NCT9xxxxxxx) to ``--studies`` studies.
Three runs, each in this process with the request rate unlimited:

* **pages**: every page requested and parsed, nothing stored: what the client and the
  server cost (an upper bound for the network side);
* **fetch**: ``fetch_search`` into a fresh on-disk store: pages, mapping and the store's
  batched commits, the summary counts included;
* **re-fetch**: the same again into that store: every study unchanged (the skip path, what
  a second run after an interruption pays beyond its requests).

It prints a Markdown table (pages/s, studies/s) and writes it to ``--output`` when given.
Timings are wall-clock seconds on whatever machine runs this; nothing here asserts a target.
The real API is slower: NLM asks for about 50 requests a minute, i.e. at most 50,000
studies a minute at 1,000 a page.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tests.ctgov_server import CtgovServer, load_records, resample_bodies  # noqa: E402
from trialkg.sources.ctgov_api import CtgovClient, Search  # noqa: E402
from trialkg.store.fetch import fetch_search  # noqa: E402
from trialkg.store.ingest import open_for_writing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--shared", type=Path,
                        default=Path(os.environ.get("TRIALKG_SHARED", REPO.parent / "shared")))
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    folder = args.shared / "data" / "ctgov-v2"
    if not folder.is_dir():
        sys.exit(f"needs {folder} (the shared data folder beside the repository)")
    bodies = resample_bodies(load_records(folder), args.studies)
    megabytes = sum(len(b) for b in bodies.values()) / 1e6
    rows = []
    with CtgovServer({}, bodies) as server, tempfile.TemporaryDirectory() as tmp:
        client = CtgovClient(server.url, rate=1e9)
        start = time.perf_counter()
        pages = studies = 0
        for page in client.pages(Search(), page_size=args.page_size):
            pages += 1
            studies += len(page.studies)
        rows.append(("pages (request + parse)", pages, studies, time.perf_counter() - start, ""))
        for label in ("fetch (fresh store)", "re-fetch (all unchanged)"):
            store = open_for_writing(Path(tmp) / "store")
            try:
                start = time.perf_counter()
                result = fetch_search(store, client, Search(), name=None,
                                      page_size=args.page_size)
                seconds = time.perf_counter() - start
            finally:
                store.close()
            assert result.error is None and result.report.failed == 0, result.summary()
            rows.append((label, result.pages, len(result.received), seconds,
                         result.report.summary()))
    lines = [
        f"# trialkg fetch against a local API stand-in: {args.studies:,} studies "
        f"({megabytes:,.0f} MB of JSON), {args.page_size} a page",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}",
        "",
        "| run | pages | studies | seconds | pages/s | studies/s | report |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, p, n, seconds, report in rows:
        lines.append(f"| {label} | {p} | {n:,} | {seconds:,.1f} | {p / seconds:,.2f} | "
                     f"{n / seconds:,.0f} | {report} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
