"""What linking at ingest costs: the same studies ingested with and without the registry's MeSH.

    python benchmarks/bench_ingest_linking.py [--studies 1000] [--repeat 3]

The real API v2 records of ../shared/data/ctgov-v2 are resampled with fresh NCT ids
(NCT95xxxxxx) into two JSON Lines corpora of the same studies:

* ``as given`` — with their ``derivedSection``: trialkg links only the sides a record gives no
  MeSH for (a few templates lack intervention MeSH);
* ``no derivedSection`` — every record stripped of it, as a fresh record is: every condition
  string and intervention name goes through the linker.

Each is ingested with ``trialkg ingest`` into a fresh store (the worker process maps the
records when the input is 2 MB or more, as it is here). Rows give the median wall-clock and
CPU time (user + system of the ingest and its worker), studies per second, the peak memory of
the larger process, and how many trials carry trialkg's links. The load average is printed:
on a shared machine the second table, measured in this process, is the better estimate of
what linking costs — the CPU time of building the linkers once (the indexes read from the
user cache, as after any first use) and of linking the corpus's studies.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "ctgov-v2"
LINKED = ("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { "
          "?t tkg:conditionMeshLinked|tkg:interventionMeshLinked ?m }")


def templates() -> list[dict[str, Any]]:
    """Every study object of the shared API v2 files."""
    out: list[dict[str, Any]] = []
    for path in sorted(SHARED.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        items = doc["studies"] if isinstance(doc, dict) and "studies" in doc else doc
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict) and "protocolSection" in item:
                out.append(item)
    return out


def write_corpus(path: Path, studies: int, strip: bool) -> None:
    rng = random.Random(17)
    pool = templates()
    with path.open("w", encoding="utf-8") as f:
        for n in range(studies):
            study = json.loads(json.dumps(rng.choice(pool)))
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT95{n:06d}"
            if strip:
                study.pop("derivedSection", None)
            f.write(json.dumps(study) + "\n")


def ingest(corpus: Path, store: Path) -> tuple[float, float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "trialkg", "ingest", "--store", str(store),
                           "--no-progress", str(corpus)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss // 1024, done.stderr.strip().splitlines()[-1]


def linked_trials(store: Path) -> int:
    done = subprocess.run([sys.executable, "-m", "trialkg", "sparql", LINKED, "--store",
                           str(store), "--format", "csv"], capture_output=True, text=True)
    return int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs {SHARED} (the shared data folder beside the repository)")
    print(f"load average {os.getloadavg()[0]:.2f}, {args.studies:,} studies, "
          f"median of {args.repeat}\n")
    print("| corpus | wall s | CPU s | studies/s | peak MB | trials linked by trialkg |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, strip in (("as given", False), ("no derivedSection", True)):
            corpus = Path(tmp) / f"{strip}.jsonl"
            write_corpus(corpus, args.studies, strip)
            runs = []
            for k in range(args.repeat):
                store = Path(tmp) / f"store-{strip}-{k}"
                runs.append(ingest(corpus, store))
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            peak = max(r[2] for r in runs)
            print(f"| {name} | {wall:.1f} | {cpu:.1f} | {args.studies / wall:,.0f} | {peak:,} "
                  f"| {linked_trials(store):,} |")
        in_process(Path(tmp), args.studies)


def in_process(tmp: Path, studies: int) -> None:
    """CPU time of the linkers' setup (once per process) and of linking the studies."""
    sys.path.insert(0, str(ROOT / "src"))
    from trialkg.mapping.mesh_links import _linker, link_missing_mesh
    from trialkg.model import Study
    from trialkg.sources import read_paths

    print("\n| in this process | linker setup, CPU s | linking the studies, CPU s | links |")
    print("|---|---:|---:|---:|")
    for name, strip in (("as given", False), ("no derivedSection", True)):
        items = [s for s in read_paths([tmp / f"{strip}.jsonl"]) if isinstance(s, Study)]
        start = time.process_time()
        for kind in ("condition", "intervention"):
            _linker(kind).link("xyzzy plugh")  # the supplementary index too: the worst case
        setup = time.process_time() - start
        start = time.process_time()
        for study in items:
            link_missing_mesh(study)
        took = time.process_time() - start
        links = sum(len(s.condition_mesh_linked) + len(s.intervention_mesh_linked)
                    for s in items)
        print(f"| {name} ({studies:,} studies) | {setup:.2f} | {took:.2f} | {links:,} |")


if __name__ == "__main__":
    main()
