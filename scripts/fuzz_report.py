"""Feed mutated real records to the importers and print what happened, by mutation kind.

Usage: python scripts/fuzz_report.py [-n PER_KIND] [--seed S] [--importer NAME] [RECORDS_DIR]

One table per importer (every one in tests.fuzz.IMPORTERS, or the one named). Records come
from ``DEFAULT_RECORDS`` (../shared/data/ctgov-v2 and ../shared/data/ctgov-xml beside the
repository, the repository's curated/ folder), or RECORDS_DIR with ``--importer``. For each
mutation kind, N records are mutated once and fed to the importer and a full in-memory
ingest; the table counts those that loaded, gave a clean RecordError, or crashed (an uncaught
exception, or an unclear message). Crashes are listed below the tables. Exit status 1 if any
crashed, 2 if an importer has no records.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the mutation engine is test code: tests/fuzz.py

from tests.fuzz import (  # noqa: E402
    IMPORTERS,
    MUTATIONS,
    OUTCOMES,
    Importer,
    mutate,
    try_record,
)

DEFAULT_RECORDS = {
    "ctgov-json": REPO.parent / "shared" / "data" / "ctgov-v2",
    "ctgov-xml": REPO.parent / "shared" / "data" / "ctgov-xml",
    "curated": REPO / "curated",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="?", type=Path,
                        help="records folder (needs --importer; default: DEFAULT_RECORDS)")
    parser.add_argument("-n", type=int, default=100, help="mutations per kind (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--importer", choices=sorted(IMPORTERS), default=None,
                        help="only this importer (default: every one)")
    args = parser.parse_args()
    if args.records is not None and args.importer is None:
        parser.error("RECORDS_DIR needs --importer")

    names = [args.importer] if args.importer else list(IMPORTERS)
    crashes: list[str] = []
    for number, name in enumerate(names):
        folder = args.records or DEFAULT_RECORDS[name]
        if number:
            print()
        status = report(IMPORTERS[name], folder, args.n, args.seed, crashes)
        if status:
            return status
    for line in crashes:
        print(f"crash: {line}", file=sys.stderr)
    return 1 if crashes else 0


def report(importer: Importer, folder: Path, n: int, seed: int, crashes: list[str]) -> int:
    """Print one importer's table; crashes are added to ``crashes``. 2 when no records."""
    seeds = sorted(p for p in folder.rglob("*") if p.suffix in importer.suffixes)
    if not seeds:
        print(f"no {'/'.join(importer.suffixes)} records under {folder}", file=sys.stderr)
        return 2
    blobs = [p.read_bytes() for p in seeds]
    rng = random.Random(seed)
    table: dict[str, Counter[str]] = {}
    for kind in MUTATIONS:
        counts: Counter[str] = Counter()
        for _ in range(n):
            i = rng.randrange(len(blobs))
            outcome, detail = try_record(importer, mutate(importer, blobs[i], kind, rng))
            counts[outcome] += 1
            if outcome == "crash":
                crashes.append(f"{importer.name}: {kind} on {seeds[i].name}: {detail}")
        table[kind] = counts

    print(f"{importer.name}: {len(seeds)} real records, {n} mutations per kind, seed {seed}\n")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
