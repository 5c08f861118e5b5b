"""Make a benchmark corpus by resampling the real ClinicalTrials.gov API v2 records.

Every study object in ../shared/data/ctgov-v2 (single records, download arrays, the API page)
is a template; the corpus draws templates at random (seeded) and gives each draw a fresh NCT
id (NCT9xxxxxxx), so record sizes and shapes stay real while every study is distinct.

The draw is weighted so that the corpus is shaped like the registry, not like the 83 records
we happen to hold (which are rich: about 1,000 triples and 33 KB of JSON per study, because
records with results and many sites were picked to test the mapping). The registry publishes
about 10.3 GB of JSON for about 598k studies (17.2 KB per study), and records the project has
not seen map to about 310 triples per study. The weights are the closest to uniform (least
Kullback-Leibler divergence, i.e. exponential tilting in both figures) whose expected triples
per study and JSON bytes per study equal those two averages; each template's triples are
counted by mapping it with trialkg. ``--unweighted`` gives the old uniform draw.

    python benchmarks/make_corpus.py --sizes 1000,10000,100000 [--zip] [--out benchmarks/corpus]

Writes ``corpus-{n}.jsonl`` (one study per line), ``corpus-{n}.json`` (its triples and bytes
per study, which benchmarks/run.py reports beside every run) and, with ``--zip``,
``corpus-{n}.json.zip`` laid out like the bulk download ctg-studies.json.zip (one
``NCT….json`` per study).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "ctgov-v2"
#: The registry's published averages: 10.3 GB of JSON for ~598k studies, and ~310 triples
#: per study for records the project has not seen (see the issue that re-based the corpus).
REGISTRY_JSON_BYTES = 17_200
REGISTRY_TRIPLES = 310


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


def triples_of(template: dict[str, Any]) -> int:
    """The quads trialkg writes for one study (provenance and shared entities included)."""
    from trialkg.mapping.study import study_text
    from trialkg.sources.ctgov_json import parse_study

    return study_text(parse_study(orjson.loads(fresh(template, 0))))[1]


def tilted_weights(features: list[tuple[float, float]], target: tuple[float, float],
                   steps: int = 200) -> list[float]:
    """Weights closest to uniform whose weighted means of the features equal ``target``.

    Minimises the convex dual ``log Σ exp(λ·(f_i - target))`` by Newton's method; the
    weights are ``exp(λ·f_i)``, normalised. Raises ValueError when the target lies outside
    what the templates can reach.
    """
    centred = [(a - target[0], b - target[1]) for a, b in features]
    lam = [0.0, 0.0]

    def weights(lam: list[float]) -> list[float]:
        logits = [lam[0] * a + lam[1] * b for a, b in centred]
        top = max(logits)
        raw = [math.exp(x - top) for x in logits]
        total = sum(raw)
        return [w / total for w in raw]

    for _ in range(steps):
        w = weights(lam)
        g = [sum(wi * c[k] for wi, c in zip(w, centred, strict=True)) for k in (0, 1)]
        if abs(g[0]) < 1e-9 and abs(g[1]) < 1e-9:
            return w
        h = [[sum(wi * c[i] * c[j] for wi, c in zip(w, centred, strict=True)) - g[i] * g[j]
              for j in (0, 1)] for i in (0, 1)]
        det = h[0][0] * h[1][1] - h[0][1] * h[1][0]
        if det <= 0:
            break
        step = [(h[1][1] * g[0] - h[0][1] * g[1]) / det, (h[0][0] * g[1] - h[1][0] * g[0]) / det]
        lam = [lam[0] - step[0], lam[1] - step[1]]
    w = weights(lam)
    reached = [sum(wi * c[k] for wi, c in zip(w, centred, strict=True)) for k in (0, 1)]
    if max(abs(x) for x in reached) > 1e-3:
        raise ValueError(f"cannot reach the target means {target} with these templates")
    return w


def write(size: int, pool: list[dict[str, Any]], weights: list[float] | None,
          triples: list[int], out: Path, make_zip: bool, seed: int) -> None:
    rng = random.Random(seed)
    jsonl = out / f"corpus-{size}.jsonl"
    archive = zipfile.ZipFile(out / f"corpus-{size}.json.zip", "w",
                              zipfile.ZIP_DEFLATED) if make_zip else None
    picks = rng.choices(range(len(pool)), weights=weights, k=size)
    total_bytes = total_triples = 0
    with open(jsonl, "wb") as lines:
        for n, pick in enumerate(picks):
            data = fresh(pool[pick], n)
            total_bytes += len(data)
            total_triples += triples[pick]
            lines.write(data + b"\n")
            if archive is not None:
                archive.writestr(f"ctg-studies/NCT9{n:07d}.json", data)
    if archive is not None:
        archive.close()
    shape = {"studies": size, "templates": len(pool), "weighted": weights is not None,
             "json_bytes_per_study": total_bytes / size,
             "triples_per_study": total_triples / size}
    (out / f"corpus-{size}.json").write_text(json.dumps(shape, indent=1), encoding="utf-8")
    print(f"{jsonl}: {size} studies, {jsonl.stat().st_size / 1e6:,.0f} MB, "
          f"{shape['triples_per_study']:,.0f} triples and "
          f"{shape['json_bytes_per_study'] / 1e3:,.1f} kB of JSON per study", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--out", type=Path, default=HERE / "corpus")
    parser.add_argument("--source", type=Path, default=SHARED)
    parser.add_argument("--zip", action="store_true", help="also write a bulk-download zip")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--unweighted", action="store_true",
                        help="draw templates uniformly (the corpus before it was re-based)")
    args = parser.parse_args()
    pool = templates(args.source)
    if not pool:
        sys.exit(f"no API v2 records under {args.source}")
    sizes = [len(fresh(t, 0)) for t in pool]
    triples = [triples_of(t) for t in pool]
    print(f"{len(pool)} templates, mean {sum(sizes) / len(sizes) / 1e3:,.1f} kB, "
          f"{sum(triples) / len(triples):,.0f} triples", file=sys.stderr)
    weights = None
    if not args.unweighted:
        weights = tilted_weights([(s / 1e3, t / 100) for s, t in zip(sizes, triples, strict=True)],
                                 (REGISTRY_JSON_BYTES / 1e3, REGISTRY_TRIPLES / 100))
        print(f"weighted to {REGISTRY_TRIPLES} triples and {REGISTRY_JSON_BYTES / 1e3:.1f} kB "
              f"per study; largest weight {max(weights):.3f}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        write(size, pool, weights, triples, args.out, args.zip, args.seed)


if __name__ == "__main__":
    main()
