#!/usr/bin/env python3
"""Score the MeSH linker against ClinicalTrials.gov's own condition → MeSH mapping.

    python scripts/score_linker.py [DATA_DIR] [--keywords] [--per-record] [--split]

DATA_DIR (default ``../shared/data/ctgov-v2`` from the repository root) holds API v2 JSON:
single records, ``{"studies": [...]}`` pages and bare arrays. Each study counts once (the
last copy read, files in name order). Input: ``conditionsModule.conditions`` (and
``keywords`` with ``--keywords``); truth: ``conditionBrowseModule.meshes[].id``, normalised.
A prediction is the set of descriptors linked from the input; studies without truth terms
are skipped. Micro-averaged precision and recall over (study, UI) pairs.

With ``--ceiling`` it also counts the truth pairs that some MeSH term names in the input at
all (a preferred or entry term, after the linker's normalisation, as consecutive words of one
input string, or as all of its words in any order): the recall a linker that only reads what
the text names could reach, whatever its rules.

With ``--split`` the figures are also given for two halves of the scored studies, in NCT id
order: odd positions (``odd``, the half rules were studied on) and even positions (``even``,
held out), as ``<half>_<figure>`` lines.

With ``--judged`` it scores against trialkg's own judged set instead (``scripts/judged/``):
every condition string of the records in ``../shared/data/ctgov-v2`` and ``ctgov-xml`` (the
first record read for each NCT id, API v2 before XML) judged as a careful MeSH indexer would
(README, "How links are judged"), and 144 intervention names. Items are keyed by (NCT id,
index in the record's list) and split into two halves by a hash of the NCT id: half A, on which
the rules were developed, and half B, held out. Each row gives precision and recall against
the judgements (per string), beside the old strict score against the registry's own lists
(per study, over studies that have them) and the registry's own mapping scored against the
judgements (per study).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trialkg.iris import normalise_mesh_id  # noqa: E402
from trialkg.mesh.linker import Linker  # noqa: E402
from trialkg.mesh.load import load_vocabulary  # noqa: E402
from trialkg.mesh.normalise import variants, words  # noqa: E402
from trialkg.mesh.vocabulary import MeshVocabulary  # noqa: E402
from trialkg.model import Study  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ctgov-v2"
#: Branches ClinicalTrials.gov's condition browse draws from (diseases, mental disorders,
#: behaviour, and the phenomena and processes that hold "Disease Progression", "Recurrence").
CONDITION_BRANCHES = ("C", "F01", "F03")


def studies(data_dir: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(data_dir.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, list):
            yield from data
        elif isinstance(data, dict) and isinstance(data.get("studies"), list):
            yield from data["studies"]
        elif isinstance(data, dict):
            yield data


def load_cases(data_dir: Path, use_keywords: bool) -> dict[str, tuple[list[str], set[str]]]:
    cases: dict[str, tuple[list[str], set[str]]] = {}
    for study in studies(data_dir):
        protocol = study.get("protocolSection", {})
        nct = protocol.get("identificationModule", {}).get("nctId", "?")
        conditions = protocol.get("conditionsModule", {})
        texts = list(conditions.get("conditions", []))
        if use_keywords:
            texts += conditions.get("keywords", [])
        meshes = study.get("derivedSection", {}).get("conditionBrowseModule", {}).get("meshes", [])
        truth = {normalise_mesh_id(m["id"]) for m in meshes if "id" in m}
        cases[nct] = (texts, truth)
    return cases


def halves(
    cases: dict[str, tuple[list[str], set[str]]],
) -> dict[str, dict[str, tuple[list[str], set[str]]]]:
    """The scored studies (with truth terms) in NCT id order, split by odd and even position."""
    scored = [(nct, case) for nct, case in sorted(cases.items()) if case[1]]
    return {"odd": dict(scored[0::2]), "even": dict(scored[1::2])}


def score(
    linker: Linker, cases: dict[str, tuple[list[str], set[str]]], per_record: bool
) -> dict[str, float]:
    tp = fp = fn = 0
    for nct, (texts, truth) in sorted(cases.items()):
        if not truth:
            continue
        predicted = {link.ui for text in texts for link in linker.link(text)}
        tp += len(predicted & truth)
        fp += len(predicted - truth)
        fn += len(truth - predicted)
        if per_record and predicted != truth:
            print(f"{nct}\tmissed={sorted(truth - predicted)}\textra={sorted(predicted - truth)}"
                  f"\t{texts}", file=sys.stderr)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall}


def ceiling(vocab: MeshVocabulary, cases: dict[str, tuple[list[str], set[str]]]) -> int:
    """How many (study, UI) truth pairs some term of the UI names in the study's input."""
    wanted = {ui for _, truth in cases.values() for ui in truth}
    keys: dict[str, set[tuple[str, ...]]] = {}
    for d in vocab.descriptors():
        if d.ui in wanted:
            for term in (d.label, *d.entry_terms):
                for key in variants(term):
                    keys.setdefault(d.ui, set()).update((key, tuple(sorted(key))))
    named = 0
    for texts, truth in cases.values():
        grams: set[tuple[str, ...]] = set()
        for text in texts:
            norm = tuple(w for _, _, w in words(text))
            grams.add(tuple(sorted(norm)))
            grams.update(norm[i:j] for i in range(len(norm))
                         for j in range(i + 1, min(len(norm), i + 12) + 1))
        named += sum(1 for ui in truth if keys.get(ui, set()) & grams)
    return named


JUDGED = ROOT / "scripts" / "judged"
SHARED_RECORDS = (ROOT.parent / "shared" / "data" / "ctgov-v2",
                  ROOT.parent / "shared" / "data" / "ctgov-xml")


def half_of(nct: str) -> str:
    """``A`` or ``B``, from a hash of the NCT id (stable, independent of the records)."""
    return "AB"[hashlib.sha256(nct.encode("ascii")).digest()[0] % 2]


def read_judged(path: Path) -> dict[tuple[str, int], set[str]]:
    """(NCT id, index) → judged UIs, from a judged-set TSV."""
    out: dict[tuple[str, int], set[str]] = {}
    with path.open(encoding="utf-8") as f:
        next(f)
        for line in f:
            nct, index, uis = line.rstrip("\n").split("\t")[:3]
            out[(nct, int(index))] = {u for u in uis.split("|") if u}
    return out


def shared_studies(dirs: tuple[Path, ...]) -> dict[str, Study]:
    """The first record read for each NCT id."""
    from trialkg.sources import read_paths

    found: dict[str, Study] = {}
    for item in read_paths(list(dirs)):
        if isinstance(item, Study) and item.trial_id.startswith("NCT"):
            found.setdefault(item.trial_id, item)
    return found


def _pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def score_judged(
    linker: Linker, studies: dict[str, Study], judged: dict[tuple[str, int], set[str]],
    field: str, half: str | None, per_item: bool = False,
) -> dict[str, float]:
    """Precision/recall of the linker against the judgements (per string), the old strict
    score against the registry's lists (per study), and the registry against the judgements."""
    counts = {"jtp": 0, "jfp": 0, "jfn": 0, "rtp": 0, "rfp": 0, "rfn": 0,
              "otp": 0, "ofp": 0, "ofn": 0, "items": 0, "studies": 0}
    by_study: dict[str, list[tuple[int, set[str]]]] = {}
    for (nct, index), truth in judged.items():
        if half is None or half_of(nct) == half:
            by_study.setdefault(nct, []).append((index, truth))
    for nct, items in sorted(by_study.items()):
        study = studies[nct]
        texts = ([iv.name for iv in study.interventions] if field == "intervention"
                 else study.conditions)
        registry = {m.ui for m in (study.intervention_mesh if field == "intervention"
                                   else study.condition_mesh)}
        predicted_all: set[str] = set()
        for index, truth in sorted(items):
            predicted = {x.ui for x in linker.link(texts[index])}
            predicted_all |= predicted
            counts["items"] += 1
            counts["jtp"] += len(predicted & truth)
            counts["jfp"] += len(predicted - truth)
            counts["jfn"] += len(truth - predicted)
            if per_item and predicted != truth:
                print(f"{nct}\t{index}\tmissed={sorted(truth - predicted)}"
                      f"\textra={sorted(predicted - truth)}\t{texts[index]}", file=sys.stderr)
        if registry:  # the registry's own mapping against the judgements
            judged_all = set().union(*(t for _, t in items))
            counts["otp"] += len(registry & judged_all)
            counts["ofp"] += len(registry - judged_all)
            counts["ofn"] += len(judged_all - registry)
    for nct, study in sorted(studies.items()):  # the old strict score, every study of the half
        texts = ([iv.name for iv in study.interventions] if field == "intervention"
                 else study.conditions)
        registry = {m.ui for m in (study.intervention_mesh if field == "intervention"
                                   else study.condition_mesh)}
        if not registry or (half is not None and half_of(nct) != half):
            continue
        every = {x.ui for t in texts for x in linker.link(t)}
        counts["studies"] += 1
        counts["rtp"] += len(every & registry)
        counts["rfp"] += len(every - registry)
        counts["rfn"] += len(registry - every)
    out: dict[str, float] = dict(counts)
    for key in ("j", "r", "o"):
        out[key + "p"], out[key + "r"] = _pr(counts[key + "tp"], counts[key + "fp"],
                                             counts[key + "fn"])
    return out


def main_judged(args: argparse.Namespace) -> int:
    for d in SHARED_RECORDS:
        if not d.is_dir():
            print(f"score_linker: no data directory {d}", file=sys.stderr)
            return 1
    started = time.perf_counter()
    vocab = load_vocabulary()
    studies = shared_studies(SHARED_RECORDS)
    print(f"MeSH {vocab.version} linker vs trialkg's judged set (half A developed on, B held out)")
    print("| set | half | strings | judged P | judged R | registry P | registry R "
          "| registry's own vs judged P / R |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for field, name in (("condition", "conditions"), ("intervention", "interventions")):
        linker = Linker(vocab, kind=args.kind or field)
        judged = read_judged(JUDGED / f"{name}.tsv")
        for half in ("A", "B", None):
            f = score_judged(linker, studies, judged, field, half,
                             per_item=args.per_record and half == (args.half or "A"))
            label = half or "all"
            print(f"| {name} | {label} | {f['items']:.0f} | {f['jp']:.3f} | {f['jr']:.3f} "
                  f"| {f['rp']:.3f} | {f['rr']:.3f} | {f['op']:.3f} / {f['or']:.3f} |")
            tag = f"{field}_{label}"
            for key in ("jp", "jr", "rp", "rr", "op", "or", "items", "studies"):
                print(f"{tag}_{key}\t{f[key]:.3f}", file=sys.stderr if not args.figures
                      else sys.stdout)
    print(f"seconds {time.perf_counter() - started:.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keywords", action="store_true", help="also link the keywords")
    parser.add_argument("--all-branches", action="store_true",
                        help="link to every descriptor, not only condition branches")
    parser.add_argument("--flat", action="store_true",
                        help="longest matches only (no terms nested inside a match, no adjectives)")
    parser.add_argument("--no-derived", action="store_true",
                        help="no adjectives read as their nouns (\"Recurrent\" → Recurrence)")
    parser.add_argument("--per-record", action="store_true", help="list differences on stderr")
    parser.add_argument("--ceiling", action="store_true",
                        help="also count the truth pairs any MeSH term names in the input")
    parser.add_argument("--split", action="store_true",
                        help="also score odd and even studies (NCT id order) apart")
    parser.add_argument("--judged", action="store_true",
                        help="score against trialkg's judged set (scripts/judged/) instead")
    parser.add_argument("--kind", default=None,
                        help="with --judged: link every string with this kind (default: "
                             "condition for conditions, intervention for interventions)")
    parser.add_argument("--half", choices=["A", "B"], default=None,
                        help="with --judged --per-record: the half whose differences to list")
    parser.add_argument("--figures", action="store_true",
                        help="with --judged: also print name/value lines on stdout")
    args = parser.parse_args(argv)
    if args.judged:
        return main_judged(args)
    if not args.data_dir.is_dir():
        print(f"score_linker: no data directory {args.data_dir}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    vocab = load_vocabulary()
    linker = Linker(
        vocab,
        branches=None if args.all_branches else CONDITION_BRANCHES,
        nested=not args.flat,
        derived=not (args.flat or args.no_derived),
    )
    cases = load_cases(args.data_dir, args.keywords)
    result = score(linker, cases, args.per_record)
    scored = sum(1 for _, truth in cases.values() if truth)
    print(f"MeSH {vocab.version} linker vs ClinicalTrials.gov condition browse")
    print(f"{'studies':<12}{len(cases):>8}   (with truth terms: {scored})")
    for key in ("tp", "fp", "fn"):
        print(f"{key:<12}{result[key]:>8}")
    print(f"{'precision':<12}{result['precision']:>8.3f}")
    print(f"{'recall':<12}{result['recall']:>8.3f}")
    if args.ceiling:
        named = ceiling(vocab, cases)
        pairs = result["tp"] + result["fn"]
        print(f"{'named':<12}{named:>8}   (truth pairs some MeSH term names in the input)")
        share = named / pairs if pairs else 0.0
        print(f"{'ceiling':<12}{share:>8.3f}   (recall from named terms only)")
    if args.split:
        for half, part in halves(cases).items():
            figures = score(linker, part, per_record=False)
            print(f"{half + '_studies':<16}{len(part):>8}")
            for key in ("tp", "fp", "fn"):
                print(f"{half + '_' + key:<16}{figures[key]:>8}")
            print(f"{half + '_precision':<16}{figures['precision']:>8.3f}")
            print(f"{half + '_recall':<16}{figures['recall']:>8.3f}")
    print(f"{'seconds':<12}{time.perf_counter() - started:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
