"""Fingerprint of the graph built from every record in ../shared: for refactorings.

Builds a fresh store from every ClinicalTrials.gov JSON and legacy XML record in
``../shared/data`` and the curated records in ``curated/``, with the ingest time pinned
(``SOURCE_DATE_EPOCH``), exports it as N-Quads and prints the export's size and SHA-256.
A change that only moves code (issue #19) must print the same line before and after::

    python scripts/export_fingerprint.py            # -> 123,456 quads  9,876,543 bytes  sha256 ...
    python scripts/export_fingerprint.py --keep out.nq

It drives the installed ``trialkg`` command only, so it measures what a user gets and does
not depend on where code lives inside the package. Run it from the repository root, with
``../shared`` beside the checkout (or ``--shared DIR``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1795219200"  # 2026-11-21, the bundled build's pinned time


def inputs(shared: Path) -> list[Path]:
    """Every record folder the build can read: the shared records, then the curated ones."""
    return [shared / "data" / "ctgov-v2", shared / "data" / "ctgov-xml", ROOT / "curated"]


def fingerprint(shared: Path, keep: Path | None = None) -> tuple[int, int, str]:
    """(quads, bytes, sha256) of the N-Quads export of a store built from ``inputs``."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    cli = [sys.executable, "-m", "trialkg"]
    with tempfile.TemporaryDirectory(prefix="trialkg-fingerprint-") as tmp:
        store, out = Path(tmp) / "store", Path(tmp) / "all.nq"
        # Relative paths: the provenance records them as given, so every checkout agrees.
        ingest = subprocess.run(
            [*cli, "ingest", "--store", str(store), "--no-progress",
             *(os.path.relpath(p, ROOT) for p in inputs(shared))],
            cwd=ROOT, env=env, capture_output=True, text=True)
        # Exit 1 is expected: the shared data holds deliberately broken records.
        if ingest.returncode not in (0, 1):
            sys.exit(f"ingest failed ({ingest.returncode}):\n{ingest.stderr}")
        export = subprocess.run(
            [*cli, "export", "--store", str(store), "-f", "nquads", "-o", str(out)],
            cwd=ROOT, env=env, capture_output=True, text=True)
        if export.returncode:
            sys.exit(f"export failed ({export.returncode}):\n{export.stderr}")
        data = out.read_bytes()
        if keep:
            shutil.copyfile(out, keep)
    return data.count(b"\n"), len(data), hashlib.sha256(data).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--keep", type=Path, help="also keep the N-Quads file here")
    args = parser.parse_args()
    if not (args.shared / "data").is_dir():
        sys.exit(f"no shared data at {args.shared}: pass --shared DIR")
    quads, size, digest = fingerprint(args.shared, args.keep)
    print(f"{quads:,} quads  {size:,} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
