"""Time the MeSH linker: first use in a fresh process, and 5,000 strings once indexes exist.

    python benchmarks/bench_linker.py [--strings 5000] [--repeat 3]

Rows:

* ``first use, no cache`` — ``trialkg mesh link --kind K <string>`` in a new process with an
  empty ``$TRIALKG_CACHE`` (a fresh install): Python start, reading the bundled vocabulary,
  reading the linker's index shipped with it, and the supplementary-name index, which the
  probe (a string no descriptor names: the worst case) needs;
* ``first use, cached`` — the same command again (the bundled vocabulary writes no cache, so
  this is the same work; a vocabulary from ``trialkg mesh import`` has its index built into
  the cache by the import);
* ``N strings`` — in one process, after the indexes are built: linking N strings (the
  condition strings and intervention names of the real records in ``../shared``, repeated,
  or synthetic ones when ``../shared`` is absent).

Cells give the median wall-clock time and, in brackets, the median CPU time (user + system of
the process, for the subprocess rows; of this process for the batch rows). The load average is
printed: on a shared machine the CPU time is the better estimate.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trialkg.mesh import Linker, load_vocabulary  # noqa: E402

SHARED = (ROOT.parent / "shared" / "data" / "ctgov-v2",
          ROOT.parent / "shared" / "data" / "ctgov-xml")
#: A string no descriptor names: the linker then also needs the supplementary-record index,
#: so the first use costs the most.
PROBE = "xyzzy plugh"


def sample_strings(kind: str) -> list[str]:
    """Condition strings or intervention names of the shared records (or synthetic ones)."""
    if all(d.is_dir() for d in SHARED):
        from trialkg.model import Study
        from trialkg.sources import read_paths

        out: list[str] = []
        for item in read_paths(list(SHARED)):
            if isinstance(item, Study):
                out += (item.conditions if kind == "condition"
                        else [iv.name for iv in item.interventions])
        if out:
            return out
    return [f"{t} {i}" for i in range(100) for t in (
        "Desmoid", "metastatic breast cancer", "Type 2 Diabetes", "imatinib mesylate")]


def run_cli(kind: str, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``trialkg mesh link`` process."""
    env = {**os.environ, "TRIALKG_CACHE": str(cache),
           "TRIALKG_MESH_DIR": str(cache / "no-imported-mesh")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "trialkg", "mesh", "link", "--kind", kind,
                    PROBE], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cell(samples: list[tuple[float, float]]) -> str:
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    return f"{wall:.2f} s ({cpu:.2f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strings", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"{args.repeat} runs each, median")
    print()
    print("| kind | first use, no cache (target ≤ 3 s) | first use, cached "
          f"| {args.strings:,} strings (target ≤ 1 s) |")
    print("| --- | --- | --- | --- |")
    vocab = load_vocabulary()
    for kind in ("condition", "intervention", "any"):
        cold: list[tuple[float, float]] = []
        warm: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                cold.append(run_cli(kind, Path(tmp)))
                warm.append(run_cli(kind, Path(tmp)))
        linker = Linker(vocab, kind=kind)
        texts = sample_strings("intervention" if kind == "intervention" else "condition")
        texts = (texts * (args.strings // len(texts) + 1))[: args.strings]
        linker.link_many(texts[:50])  # builds the supplementary index too
        batch: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            started, cpu = time.perf_counter(), time.process_time()
            linker.link_many(texts)
            batch.append((time.perf_counter() - started, time.process_time() - cpu))
        print(f"| {kind} | {cell(cold)} | {cell(warm)} | {cell(batch)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
