"""How long `trialkg validate` takes for its SHACL part, by store size and engine.

    python benchmarks/bench_validate.py [--sizes 141,1000] [--pyshacl-max 141] [--out DIR]

Builds a store per size from a resampled corpus of the real API v2 records
(benchmarks/make_corpus.py; needs ../shared), then times the SHACL checks of
:func:`trialkg.validation.validate.validate_store` (``owl=False``) with the SPARQL engine
(the default) and, up to ``--pyshacl-max`` studies, with pyshacl (the reference). Prints a
Markdown table: wall-clock seconds, CPU seconds of this process (Oxigraph runs in it, so CPU
time is not inflated by other work on the machine), seconds per 1,000 studies and findings.
Target: at most 10 s per 1,000 studies for the SHACL part.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build_store(size: int, work: Path) -> Path:
    corpus = work / f"corpus-{size}.jsonl"
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--sizes", str(size),
                        "--out", str(work)], check=True, capture_output=True)
    store = work / f"store-{size}"
    if not store.exists():
        subprocess.run([sys.executable, "-m", "trialkg", "ingest", "--no-progress", "--store",
                        str(store), str(corpus)], check=True, capture_output=True)
    return store


def time_engine(store_dir: Path, engine: str) -> tuple[float, float, int]:
    from trialkg.store import TrialStore
    from trialkg.validation.validate import validate_store

    with TrialStore.open(store_dir, read_only=True) as store:
        wall, cpu = time.perf_counter(), time.process_time()
        report = validate_store(store, owl=False, engine=engine)
        return (time.perf_counter() - wall, time.process_time() - cpu,
                len(report.findings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="141,1000")
    parser.add_argument("--pyshacl-max", type=int, default=141)
    parser.add_argument("--out", type=Path, default=None,
                        help="Keep corpora and stores here (default: a temporary folder).")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="trialkg-bench-validate-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print("| studies | engine | wall s | CPU s | s per 1,000 studies (wall) | findings |")
        print("| ---: | --- | ---: | ---: | ---: | ---: |")
        for size in sizes:
            store = build_store(size, work)
            engines = ["sparql"] + (["pyshacl"] if size <= args.pyshacl_max else [])
            for engine in engines:
                wall, cpu, found = time_engine(store, engine)
                print(f"| {size:,} | {engine} | {wall:.1f} | {cpu:.1f} | "
                      f"{wall * 1000 / size:.1f} | {found} |", flush=True)


if __name__ == "__main__":
    main()
