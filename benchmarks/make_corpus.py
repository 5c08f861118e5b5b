"""Make a benchmark corpus by resampling the real ClinicalTrials.gov API v2 records.

Every study object in ../shared/data/ctgov-v2 (single records, download arrays, the API page)
is a template; the corpus draws templates at random (seeded) and gives each draw a fresh NCT
id (NCT9xxxxxxx), so record sizes and shapes stay real while every study is distinct.

    python benchmarks/make_corpus.py --sizes 1000,10000,100000 [--zip] [--out benchmarks/corpus]

Writes ``corpus-{n}.jsonl`` (one study per line) and, with ``--zip``, ``corpus-{n}.json.zip``
laid out like the bulk download ctg-studies.json.zip (one ``NCT….json`` per study).
"""

from __future__ import annotations

import argparse
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "ctgov-v2"


def templates(folder: Path) -> list[dict[str, Any]]:
    """Every study object in the folder's JSON files, whatever the container."""
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        doc = orjson.loads(path.read_bytes())
        if isinstance(doc, list):
            out.extend(doc)
        elif isinstance(doc, dict) and isinstance(doc.get("studies"), list):
            out.extend(doc["studies"])
        elif isinstance(doc, dict):
            out.append(doc)
    return [s for s in out if isinstance(s, dict) and "protocolSection" in s]


def fresh(template: dict[str, Any], n: int) -> bytes:
    """The template as JSON with NCT id ``NCT9{n:07d}``."""
    nct = f"NCT9{n:07d}"
    study = dict(template)
    protocol = dict(study["protocolSection"])
    ident = dict(protocol["identificationModule"])
    ident["nctId"] = nct
    protocol["identificationModule"] = ident
    study["protocolSection"] = protocol
    return orjson.dumps(study)


def write(size: int, pool: list[dict[str, Any]], out: Path, make_zip: bool, seed: int) -> None:
    rng = random.Random(seed)
    jsonl = out / f"corpus-{size}.jsonl"
    archive = zipfile.ZipFile(out / f"corpus-{size}.json.zip", "w",
                              zipfile.ZIP_DEFLATED) if make_zip else None
    with open(jsonl, "wb") as lines:
        for n in range(size):
            data = fresh(rng.choice(pool), n)
            lines.write(data + b"\n")
            if archive is not None:
                archive.writestr(f"ctg-studies/NCT9{n:07d}.json", data)
    if archive is not None:
        archive.close()
    print(f"{jsonl}: {size} studies, {jsonl.stat().st_size / 1e6:,.0f} MB", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--out", type=Path, default=HERE / "corpus")
    parser.add_argument("--source", type=Path, default=SHARED)
    parser.add_argument("--zip", action="store_true", help="also write a bulk-download zip")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pool = templates(args.source)
    if not pool:
        sys.exit(f"no API v2 records under {args.source}")
    sizes = [len(fresh(t, 0)) for t in pool]
    print(f"{len(pool)} templates, mean {sum(sizes) / len(sizes) / 1e3:,.1f} kB", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        write(size, pool, args.out, args.zip, args.seed)


if __name__ == "__main__":
    main()
