"""Benchmark full-text search: search latency at scale, and what keeping the index costs an
ingest. Prints Markdown tables (and writes them to ``--out``).

    python benchmarks/bench_search.py [--ingest-sizes 1000,10000] [--search-sizes 10000,100000]

Two parts:

* **upkeep**: ``trialkg ingest`` of a corpus (benchmarks/make_corpus.py, made when missing)
  into a fresh store, in a child process whose :class:`~trialkg.store.TrialStore` index hooks
  (``index_before_write`` / ``index_after_write``: mark stale, re-read the touched trials from
  the store, write their rows) are timed: their sum against the whole ingest. Also the time
  to rebuild the index from the finished store, and searches on that real index.
* **search**: an FTS5 index of N studies made directly from resampled API v2 records (their
  titles, summaries, conditions, interventions, keywords and sponsors, as the index reads
  them from the store), without a store, so 100k studies take seconds rather than hours; then
  the median and 95th percentile latency of a set of searches (ranked top 20 with snippets,
  as ``trialkg search`` runs them; and every matching trial, as a ``text`` parameter binds
  them). The resampled corpus repeats ~70 distinct records, so its vocabulary is small; the
  posting lists of the words searched are as long as in a real corpus of that size, and
  those set the latency.

Timings are wall-clock on whatever machine runs this; nothing here asserts a target (the
issue's targets: a search ≤ 50 ms median at 100k studies; index upkeep ≤ 10% of ingest).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: (search, fields): what people type, common and rare words, a phrase, a prefix, OR, NOT.
SEARCHES: list[tuple[str, tuple[str, ...]]] = [
    ("cancer", ()),
    ("imatinib desmoid", ()),
    ('"lung cancer"', ()),
    ("pembroli*", ()),
    ("diabetes OR obesity", ()),
    ("vaccine NOT covid", ()),
    ("randomized placebo controlled", ()),
    ("bayer", ("sponsors",)),
]


def _texts(study: dict[str, Any]) -> tuple[str, str, list[str]]:
    """The id, title and fields of a study as the index holds them (from the API record)."""
    p = study["protocolSection"]
    ident = p.get("identificationModule", {})
    desc = p.get("descriptionModule", {})
    cond = p.get("conditionsModule", {})
    arms = p.get("armsInterventionsModule", {})
    spons = p.get("sponsorCollaboratorsModule", {})
    titles = [ident.get(k) for k in ("briefTitle", "officialTitle", "acronym")]
    ivs = [n for iv in arms.get("interventions", [])
           for n in [iv.get("name"), *iv.get("otherNames", [])]]
    orgs = [spons.get("leadSponsor", {}).get("name"),
            *(c.get("name") for c in spons.get("collaborators", []))]
    fields = [titles, [desc.get("briefSummary"), desc.get("detailedDescription")],
              cond.get("conditions", []), ivs, cond.get("keywords", []), orgs]
    return (ident["nctId"], str(titles[0] or ""),
            [" | ".join(dict.fromkeys(str(x) for x in f if x)) for f in fields])


def time_searches(index: Any, repeat: int) -> dict[str, float]:
    """Median and p95 ms of the ranked search (top 20, snippets) and of the matching IRIs."""
    ranked: list[float] = []
    matching: list[float] = []
    hits: dict[str, int] = {}
    for text, fields in SEARCHES:
        for _ in range(repeat):
            t = time.perf_counter()
            index.search(text, fields, 20)
            ranked.append((time.perf_counter() - t) * 1e3)
            t = time.perf_counter()
            hits[text] = len(index.matching(text, fields, limit=10_000))
            matching.append((time.perf_counter() - t) * 1e3)
    return {"search_median_ms": statistics.median(ranked),
            "search_p95_ms": statistics.quantiles(ranked, n=20)[-1],
            "matching_median_ms": statistics.median(matching),
            "matching_p95_ms": statistics.quantiles(matching, n=20)[-1],
            "hits": hits}  # type: ignore[dict-item]


def search_at(size: int, repeat: int, seed: int) -> dict[str, Any]:
    from make_corpus import SHARED, templates

    from trialkg.store.search import TextIndex

    pool = [_texts(s) for s in templates(SHARED)]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        index = TextIndex.open(Path(tmp) / "search.sqlite")
        t = time.perf_counter()
        rows = []
        for n in range(size):
            _, title, fields = rng.choice(pool)
            nct = f"NCT9{n:07d}"
            rows.append((f"https://identifiers.org/clinicaltrials:{nct}", (nct, title, fields)))
        with index._transaction():
            for k in range(0, len(rows), 1000):
                index._insert(rows[k : k + 1000])
            index._set_state("fresh")
        index.conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        build = time.perf_counter() - t
        # one more study, as an ingest's batch writes it into an index of this size
        t = time.perf_counter()
        with index._transaction():
            index._insert([("urn:x:one", ("NCTX", "x", list(pool[0][2])))])
        one = time.perf_counter() - t
        out = {"size": size, "build_s": build, "insert_one_ms": one * 1e3,
               "index_mb": (Path(tmp) / "search.sqlite").stat().st_size / 1e6,
               **time_searches(index, repeat)}
        index.close()
    return out


def child_ingest(corpus: Path, store: Path, repeat: int) -> None:
    """In a child process: ingest with the index hooks timed; rebuild; search."""
    from trialkg.store import TrialStore
    from trialkg.store.ingest import ingest_paths
    from trialkg.store.search import INDEX_FILE, TextIndex

    spent = [0.0]
    for name in ("index_before_write", "index_after_write"):
        original = getattr(TrialStore, name)

        def timed(self: Any, *args: Any, _original: Any = original) -> Any:
            t = time.perf_counter()
            try:
                return _original(self, *args)
            finally:
                spent[0] += time.perf_counter() - t

        setattr(TrialStore, name, timed)
    t = time.perf_counter()
    report = ingest_paths([corpus], store, progress=False)
    ingest = time.perf_counter() - t
    reader = TrialStore.open(store, read_only=True)
    index = TextIndex.open(store / INDEX_FILE)
    t = time.perf_counter()
    count = index.rebuild(reader.store)
    rebuild = time.perf_counter() - t
    out = {"studies": report.loaded, "ingest_s": ingest, "index_s": spent[0],
           "rebuild_s": rebuild, "indexed": count,
           "index_mb": (store / INDEX_FILE).stat().st_size / 1e6,
           **time_searches(index, repeat)}
    print(json.dumps(out))


def upkeep_at(size: int, repeat: int, corpus_dir: Path, seed: int) -> dict[str, Any]:
    corpus = corpus_dir / f"corpus-{size}.jsonl"
    if not corpus.exists():
        from make_corpus import SHARED, templates, write

        corpus_dir.mkdir(parents=True, exist_ok=True)
        write(size, templates(SHARED), corpus_dir, False, seed)
    with tempfile.TemporaryDirectory(dir=corpus_dir) as tmp:
        done = subprocess.run(
            [sys.executable, __file__, "--child-ingest", str(corpus), str(Path(tmp) / "store"),
             "--repeat", str(repeat)],
            capture_output=True, text=True, check=False, env=os.environ.copy())
    if done.returncode != 0:
        sys.exit(f"ingest of {corpus} failed:\n{done.stderr[-3000:]}")
    return {"size": size, **json.loads(done.stdout.strip().splitlines()[-1])}


def render(upkeep: list[dict[str, Any]], search: list[dict[str, Any]]) -> str:
    load = os.getloadavg()[0]
    out = ["# trialkg full-text search benchmark", "",
           f"Machine: {os.uname().machine}, {os.cpu_count()} cores, Python "
           f"{sys.version.split()[0]}; load average at the end {load:.1f}. SQLite "
           f"{__import__('sqlite3').sqlite_version} (FTS5, unicode61 remove_diacritics 2).", ""]
    if upkeep:
        out += ["Index upkeep during `trialkg ingest` (fresh store; the index hooks timed in "
                "the ingesting process):", "",
                "| studies | ingest s | index upkeep s | upkeep / ingest | rebuild from store s "
                "| index MB | search median ms | search p95 ms | all matches median ms |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in upkeep:
            out.append(f"| {r['studies']:,} | {r['ingest_s']:.1f} | {r['index_s']:.1f} | "
                       f"{100 * r['index_s'] / r['ingest_s']:.1f} % | {r['rebuild_s']:.1f} | "
                       f"{r['index_mb']:.1f} | {r['search_median_ms']:.2f} | "
                       f"{r['search_p95_ms']:.2f} | {r['matching_median_ms']:.2f} |")
        out.append("")
    if search:
        out += ["Search latency on an index of resampled records (no store), "
                f"{len(SEARCHES)} searches:", "",
                "| studies | build s | index MB | insert one ms | search median ms | "
                "search p95 ms | all matches median ms | all matches p95 ms |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in search:
            out.append(f"| {r['size']:,} | {r['build_s']:.1f} | {r['index_mb']:.0f} | "
                       f"{r['insert_one_ms']:.2f} | {r['search_median_ms']:.2f} | "
                       f"{r['search_p95_ms']:.2f} | {r['matching_median_ms']:.2f} | "
                       f"{r['matching_p95_ms']:.2f} |")
        out += ["", "Matches per search at the largest size (counted up to 10,000, the cap of a "
                "text parameter): " + ", ".join(
            f"`{k}` {v:,}" for k, v in search[-1]["hits"].items()), ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingest-sizes", default="1000",
                        help="corpus sizes to ingest (comma-separated; '' for none)")
    parser.add_argument("--search-sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="also write the tables here")
    parser.add_argument("--child-ingest", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_ingest:
        child_ingest(*args.child_ingest, repeat=args.repeat)
        return
    upkeep = [upkeep_at(int(s), args.repeat, args.corpus, args.seed)
              for s in args.ingest_sizes.split(",") if s]
    search = [search_at(int(s), args.repeat, args.seed)
              for s in args.search_sizes.split(",") if s]
    text = render(upkeep, search)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
