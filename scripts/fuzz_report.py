"""Feed mutated real records to the importers and print what happened, by mutation kind.

Usage: python scripts/fuzz_report.py [-n PER_KIND] [--seed S] [--importer NAME] [RECORDS_DIR]

RECORDS_DIR defaults to ../shared/data/ctgov-v2 beside the repository. For each mutation
kind, N records are mutated once and fed to the importer and a full in-memory ingest; the
table counts those that loaded, gave a clean RecordError, or crashed (an uncaught exception,
or an unclear message). Crashes are listed below the table. Exit status 1 if any crashed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

from trialkg.fuzz import IMPORTERS, MUTATIONS, OUTCOMES, mutate, try_record

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="?", type=Path,
                        default=REPO.parent / "shared" / "data" / "ctgov-v2")
    parser.add_argument("-n", type=int, default=100, help="mutations per kind (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--importer", choices=sorted(IMPORTERS), default="ctgov-json")
    args = parser.parse_args()

    importer = IMPORTERS[args.importer]
    seeds = sorted(p for p in args.records.rglob("*") if p.suffix in importer.suffixes)
    if not seeds:
        print(f"no {'/'.join(importer.suffixes)} records under {args.records}", file=sys.stderr)
        return 2
    blobs = [p.read_bytes() for p in seeds]
    rng = random.Random(args.seed)
    table: dict[str, Counter[str]] = {}
    crashes: list[str] = []
    for kind in MUTATIONS:
        counts: Counter[str] = Counter()
        for _ in range(args.n):
            i = rng.randrange(len(blobs))
            outcome, detail = try_record(importer, mutate(importer, blobs[i], kind, rng))
            counts[outcome] += 1
            if outcome == "crash":
                crashes.append(f"{kind} on {seeds[i].name}: {detail}")
        table[kind] = counts

    print(f"{importer.name}: {len(seeds)} real records, {args.n} mutations per kind, "
          f"seed {args.seed}\n")
    print(f"| {'mutation':<15} | {'tried':>5} | " + " | ".join(f"{o:>11}" for o in OUTCOMES)
          + " |")
    print(f"|{'-' * 17}|{'-' * 7}|" + "|".join("-" * 13 for _ in OUTCOMES) + "|")
    total: Counter[str] = Counter()
    for kind, counts in table.items():
        total.update(counts)
        print(f"| {kind:<15} | {sum(counts.values()):>5} | "
              + " | ".join(f"{counts[o]:>11}" for o in OUTCOMES) + " |")
    print(f"| {'all':<15} | {sum(total.values()):>5} | "
          + " | ".join(f"{total[o]:>11}" for o in OUTCOMES) + " |")
    for line in crashes:
        print(f"crash: {line}", file=sys.stderr)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
