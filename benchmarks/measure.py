"""Run one command and print its wall time, CPU time and peak memory as a Markdown table.

    python benchmarks/measure.py -- trialkg ingest ctg-studies.json.zip --store big-store

Peak RSS is of the command and all its processes together (the ingest and its worker),
sampled twice a second, beside the largest single process (``ru_maxrss``), exactly as
``benchmarks/run.py`` measures its ingest. The command's stderr is printed after the table.
Used for the 600k-study runs in ``benchmarks/results-600k.md``.
"""

from __future__ import annotations

import shutil
import sys

from run import timed


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    exe = shutil.which(args[0])
    run = timed([exe or args[0], *args[1:]])
    print("| wall s | CPU s | peak RSS MiB, all processes | largest process MiB |")
    print("| ---: | ---: | ---: | ---: |")
    print(f"| {run.seconds:.1f} | {run.cpu_s:.1f} | {run.peak_rss_mb:,.0f} "
          f"| {run.largest_rss_mb:,.0f} |")
    if run.stderr.strip():
        print(run.stderr.strip(), file=sys.stderr)


if __name__ == "__main__":
    main()
