"""Benchmark trialkg at scale and print a Markdown table (also written to results.md).

    python benchmarks/run.py [--sizes 1000,10000,100000] [--queries queries/] [--repeat 5]

For each corpus size (made by make_corpus.py when missing) it measures, in one run:

* **parse**: the same JSON Lines merely parsed with orjson (in this process);
* **ingest**: ``trialkg ingest`` into a fresh store, in a subprocess: wall time, CPU time
  (user + system, its worker included) and peak RSS: of the ingest and its worker together
  (their resident memory summed, sampled twice a second), and of the larger of the two
  (``os.wait4``'s ``ru_maxrss``);
* **re-ingest**: the same files again (every study unchanged: the skip path);
* **add / remove**: 100 more studies (the corpus' first 100 under other NCT ids) ingested into
  the full store, then removed with ``trialkg remove``: what a small update of a large store
  costs, its summary counts included (the store is back to the corpus afterwards);
* **export**: ``trialkg export`` to Turtle, of the ingested store;
* **queries**: median latency of every stored query in ``queries/`` over ``--repeat`` runs,
  with the parameters of its ``#+ example:`` line (a trial id becomes the corpus' first
  trial) and the defaults of the others, and once more without parameters when it has no
  required one (``sites-by-country (no parameters)``: every trial); a query with a required
  parameter and no example value is reported as skipped;
* **floor**, last: the same quads dumped as N-Quads (timed: Oxigraph's own dump) and
  bulk-loaded by Oxigraph into a fresh store (``Store.bulk_load``, in a subprocess, wall and
  CPU time) — what any loader of these triples pays. That store replaces the ingested one, so
  a run never holds two stores on disk; nothing is read from it, because a store made by one
  bulk load of millions of quads reads several times slower than an ingested one.

Each finished step is recorded in ``--work/SIZE/result.json`` and the table is rewritten after
each size, so a run of hours can be stopped and taken up again with ``--resume`` (same commit;
the step that was cut off is redone from its start).

Timings are wall-clock seconds on whatever machine runs this; nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stderr: str
    #: user + system CPU seconds of the child and the children it waited for (the worker)
    cpu_s: float = 0.0
    #: the peak of the largest single process (``peak_rss_mb`` is of all of them together)
    largest_rss_mb: float = 0.0


@dataclass
class SizeResult:
    size: int
    corpus_mb: float
    parse_s: float = 0.0
    ingest: Run | None = None
    reingest: Run | None = None
    triples: int = 0
    store_mb: float = 0.0
    nquads_s: float = 0.0
    floor_s: float = 0.0
    floor_cpu_s: float = 0.0
    turtle: Run | None = None
    add: Run | None = None
    remove: Run | None = None
    queries: dict[str, tuple[str, float | None, int]] = field(default_factory=dict)
    #: the corpus' shape, from make_corpus.py's corpus-{size}.json (the registry: about 310
    #: triples and 17.2 kB of JSON per study)
    triples_per_study: float = 0.0
    json_kb_per_study: float = 0.0


def tree_rss_mb(root: int) -> float:
    """The summed resident memory of a process and all its descendants (Linux /proc), MiB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(found.group(1)) if found else 0
    return total / 1024


def timed(cmd: list[str]) -> Run:
    """Run a command; wall time, CPU time and peak RSS: of all its processes together
    (sampled every 0.5 s), and of the largest one (``ru_maxrss``, Linux: KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            if Path("/proc").is_dir():
                peak[0] = max(peak[0], tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    largest = usage.ru_maxrss / 1024
    return Run(seconds, max(peak[0], largest), err, usage.ru_utime + usage.ru_stime, largest)


def trialkg(*args: str) -> list[str]:
    return [sys.executable, "-m", "trialkg", *args]


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def parse_only(path: Path) -> float:
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for line in handle:
            orjson.loads(line)
    return time.perf_counter() - start


DUMP = """
import sys, pyoxigraph as ox
ox.Store.read_only(sys.argv[1]).dump(sys.argv[2], ox.RdfFormat.N_QUADS)
"""
#: A query slower than this (seconds) is timed once, not ``--repeat`` times.
SLOW_QUERY_S = 2.0

FLOOR = """
import sys, pyoxigraph as ox
ox.Store(sys.argv[1]).bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)
"""


# --- stored queries ---------------------------------------------------------------------


@dataclass
class StoredQuery:
    name: str
    text: str
    params: list[dict[str, Any]]
    example: dict[str, str]


def read_queries(folder: Path) -> list[StoredQuery]:
    """Every ``*.rq`` with its ``#+ params:`` list and ``#+ example:`` values (minimal YAML)."""
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        params: list[dict[str, Any]] = []
        example: dict[str, str] = {}
        in_params = False
        for line in text.splitlines():
            if not line.startswith("#+"):
                continue
            body = line[2:].rstrip()
            stripped = body.strip()
            if stripped.startswith("example:"):
                example = dict(re.findall(r"-p\s+(\w+)=(\S+)", stripped))
            if re.match(r"\s?\w+:", body) and not body.startswith("   "):
                in_params = stripped.startswith("params:")
                continue
            if in_params:
                m = re.match(r"\s*(-\s+)?(\w+):\s*(.*)$", body)
                if m:
                    if m.group(1):
                        params.append({})
                    if params:
                        params[-1][m.group(2)] = m.group(3).strip()
        out.append(StoredQuery(path.stem, text, params, example))
    return out


def bind(query: StoredQuery, first_trial: str) -> dict[str, Any] | str:
    """Substitutions for a query, or the reason it cannot run."""
    import pyoxigraph as ox

    from trialkg.iris import TKG, XSD, mesh_iri, trial_iri

    subs: dict[Any, Any] = {}
    for p in query.params:
        name, kind = p.get("name", ""), p.get("type", "string")
        value = query.example.get(name, p.get("default"))
        if value is None:
            if p.get("required") == "true":
                return f"needs {name}"
            continue
        if kind == "nct":
            term: Any = ox.NamedNode(trial_iri(first_trial))
        elif kind == "mesh" and re.fullmatch(r"[DC]\d+", value):
            term = ox.NamedNode(mesh_iri(value))
        elif kind == "integer":
            term = ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
        elif kind == "boolean":
            term = ox.Literal(value.lower(), datatype=ox.NamedNode(XSD + "boolean"))
        elif kind == "phase":
            term = ox.NamedNode(TKG + "phase_" + ("PHASE" + value if value.isdigit()
                                                  else value.upper()))
        elif kind == "status":
            term = ox.NamedNode(TKG + "status_" + value.upper())
        else:
            term = ox.Literal(value)
        subs[ox.Variable(name)] = term
    return subs


def with_values(text: str, subs: dict[Any, Any]) -> str:
    """The query with an inline ``VALUES`` block binding the parameters at the top of WHERE.

    (pyoxigraph's ``substitutions`` only binds projected variables.) The values are RDF
    terms serialised by Oxigraph, never raw text.
    """
    if not subs:
        return text
    names = " ".join(str(v) for v in subs)
    values = " ".join(str(t) for t in subs.values())
    block = f"VALUES ({names}) {{ ({values}) }}"
    return re.sub(r"\bWHERE\s*\{", lambda m: m.group(0) + " " + block + " ", text, count=1,
                  flags=re.IGNORECASE)


def prepared_queries(folder: Path, first_trial: str) -> list[tuple[str, str, str | None]]:
    """(name, kind, bound text or None) per stored query; kind is a reason when None.

    Uses the project's own query library and binder (trialkg.queries) when this build has
    them; otherwise the minimal header reader above.
    """
    try:
        from trialkg.queries.library import QueryLibrary, pairs_to_dict
        from trialkg.queries.run import bound_text, vocabulary_resolver
    except ImportError:
        out: list[tuple[str, str, str | None]] = []
        for q in read_queries(folder):
            subs = bind(q, first_trial)
            kind = _kind([p.get("type", "") for p in q.params],
                         [p.get("name", "") for p in q.params])
            if isinstance(subs, str):
                out.append((q.name, f"skipped: {subs}", None))
            else:
                out.append((q.name, kind, with_values(q.text, subs)))
        return out
    import shlex

    resolver = vocabulary_resolver()  # MeSH names in examples, as `trialkg query run` does
    out = []
    for sq in QueryLibrary.from_dir(folder):
        argv = shlex.split(sq.example)
        values = pairs_to_dict([argv[i + 1] for i, a in enumerate(argv[:-1])
                                if a in ("-p", "--param")])
        for p in sq.params:
            if p.type == "nct" and p.name in values:
                values[p.name] = first_trial
        kind = _kind([p.type for p in sq.params], [p.name for p in sq.params])
        try:
            out.append((sq.name, kind, bound_text(sq, values, resolver=resolver)))
        except Exception as exc:  # a parameter the example does not give
            out.append((sq.name, f"skipped: {exc}", None))
        if values and not any(p.required for p in sq.params):
            # The example narrows a query that also runs over everything: time that too.
            out.append((f"{sq.name} (no parameters)", "whole-graph", bound_text(sq, {})))
    return out


def _kind(types: list[str], names: list[str]) -> str:
    selective = any(t in ("nct", "mesh") for t in types) or any(
        n in ("sponsor", "drug") for n in names)
    return "selective" if selective else "whole-graph"


def time_queries(store_dir: Path, folder: Path, repeat: int,
                 first_trial: str) -> dict[str, tuple[str, float | None, int]]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    results: dict[str, tuple[str, float | None, int]] = {}
    for name, kind, text in prepared_queries(folder, first_trial):
        if text is None:
            results[name] = (kind, None, 0)
            continue
        times, rows = [], 0
        try:
            for _ in range(repeat):
                if times and times[0] > SLOW_QUERY_S:  # one run of a slow query is enough
                    break
                start = time.perf_counter()
                answer = store.query(text, use_default_graph_as_union=True)
                rows = 1 if isinstance(answer, ox.QueryBoolean) else sum(1 for _ in answer)
                times.append(time.perf_counter() - start)
        except (SyntaxError, OSError, ValueError, RuntimeError) as exc:
            results[name] = (f"error: {str(exc).splitlines()[0][:60]}", None, 0)
            continue
        results[name] = (kind, statistics.median(times), rows)
    return results


# --- one size ---------------------------------------------------------------------------


STEPS = ("parse", "ingest", "reingest", "increment", "dump", "floor", "turtle", "queries")
#: How many studies the add / remove step writes into the full store.
INCREMENT = 100


def _save(path: Path, result: SizeResult, done: list[str], commit: str) -> None:
    """The steps finished so far, written after each one (a tmp file, then a rename)."""
    state = {"commit": commit, "done": done, "result": asdict(result)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    tmp.replace(path)


def _load(path: Path, size: int, commit: str) -> tuple[SizeResult, list[str]] | None:
    """A saved run of this size at this commit, to go on from; None to start afresh."""
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("commit") != commit:
        print(f"[{size}] the saved run is of commit {state.get('commit')}, not {commit}: "
              "starting afresh", file=sys.stderr)
        return None
    raw = state["result"]
    for key in ("ingest", "reingest", "turtle", "add", "remove"):
        raw[key] = Run(**raw[key]) if raw.get(key) else None
    raw["queries"] = {k: tuple(v) for k, v in raw.get("queries", {}).items()}
    return SizeResult(**raw), list(state["done"])


def run_size(size: int, args: argparse.Namespace) -> SizeResult:
    """Every step for one corpus size; with ``--resume``, only the steps not yet finished.

    A step interrupted half-way (a session that ends, Ctrl-C) is redone from its start:
    each step first removes what it writes, and what it reads is only removed by the next
    step once this one has been recorded in ``result.json``.
    """
    corpus = args.corpus / f"corpus-{size}.jsonl"
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--sizes", str(size),
                        "--out", str(args.corpus)], check=True)
    work = args.work / str(size)
    state_file = work / "result.json"
    commit = _commit()
    loaded = _load(state_file, size, commit) if args.resume else None
    if loaded is None:
        subprocess.run(["rm", "-rf", str(work)], check=True)
        work.mkdir(parents=True)
        result, done = SizeResult(size, corpus.stat().st_size / 1e6), []
        shape = corpus_shape(corpus, size)
        result.triples_per_study = shape["triples_per_study"]
        result.json_kb_per_study = shape["json_bytes_per_study"] / 1e3
    else:
        result, done = loaded
        print(f"[{size}] going on after: {', '.join(done) or 'nothing'}", file=sys.stderr)
    store, nq, ttl = work / "store", work / "all.nq", work / "all.ttl"
    log = lambda msg: print(f"[{size}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    log(f"corpus: {result.triples_per_study:,.0f} triples and {result.json_kb_per_study:,.1f} "
        "kB of JSON per study")

    def finished(step: str) -> None:
        done.append(step)
        _save(state_file, result, done, commit)

    if "parse" not in done:
        result.parse_s = parse_only(corpus)
        log(f"parsed in {result.parse_s:.1f} s")
        finished("parse")
    if "ingest" not in done:
        subprocess.run(["rm", "-rf", str(store)], check=True)
        result.ingest = timed(trialkg("ingest", "--store", str(store), "--no-progress",
                                      str(corpus)))
        log(f"ingest: {result.ingest.seconds:.1f} s ({result.ingest.cpu_s:.1f} s CPU), peak RSS "
            f"{result.ingest.peak_rss_mb:,.0f} MiB (largest process "
            f"{result.ingest.largest_rss_mb:,.0f} MiB); {result.ingest.stderr.strip()}")
        m = re.search(r"([\d,]+) triples written", result.ingest.stderr)
        result.triples = int(m.group(1).replace(",", "")) if m else 0
        result.store_mb = du_mb(store)
        finished("ingest")
    if "reingest" not in done and "reingest" not in args.skip:
        result.reingest = timed(trialkg("ingest", "--store", str(store), "--no-progress",
                                        str(corpus)))
        log(f"re-ingest: {result.reingest.seconds:.1f} s; {result.reingest.stderr.strip()}")
        finished("reingest")

    if "increment" not in done and "increment" not in args.skip:
        extra = work / "increment.jsonl"
        ids = _write_increment(corpus, extra, INCREMENT)
        result.add = timed(trialkg("ingest", "--store", str(store), "--no-progress", str(extra)))
        result.remove = timed(trialkg("remove", "--store", str(store), *ids))
        extra.unlink()
        log(f"add {len(ids)}: {result.add.seconds:.1f} s; remove them: "
            f"{result.remove.seconds:.1f} s; {result.add.stderr.strip()}")
        finished("increment")

    if "turtle" not in done:
        ttl.unlink(missing_ok=True)
        result.turtle = timed(trialkg("export", "--store", str(store), "-o", str(ttl)))
        log(f"turtle export: {result.turtle.seconds:.1f} s")
        finished("turtle")
    ttl.unlink(missing_ok=True)

    if "queries" not in done and "queries" not in args.skip and args.queries.is_dir():
        result.queries = time_queries(store, args.queries, args.repeat, "NCT90000000")
        for name, (kind, seconds, rows) in result.queries.items():
            log(f"query {name}: {kind}, "
                + (f"{seconds * 1000:,.1f} ms, {rows} rows" if seconds is not None else "-"))
        finished("queries")

    # The floor, last: the same quads, dumped as N-Quads, bulk-loaded into a fresh store. The
    # ingested store is removed first and the floor store takes its place (same quads), so a
    # 100k run needs room for one store and one N-Quads file at a time, not two stores. The
    # export and queries ran before, on the ingested store (a user's store): reads of a store
    # made by one bulk load of 31M quads are several times slower (856 s against 270 s for
    # the Turtle export at 100k; see benchmarks/store-write.md).
    if "dump" not in done:
        nq.unlink(missing_ok=True)
        result.nquads_s = timed([sys.executable, "-c", DUMP, str(store), str(nq)]).seconds
        log(f"N-Quads dump: {result.nquads_s:.1f} s")
        finished("dump")
    if "floor" not in done:
        subprocess.run(["rm", "-rf", str(store)], check=True)
        floor = timed([sys.executable, "-c", FLOOR, str(store), str(nq)])
        result.floor_s, result.floor_cpu_s = floor.seconds, floor.cpu_s
        log(f"floor bulk load: {result.floor_s:.1f} s ({floor.cpu_s:.1f} s CPU)")
        finished("floor")
    nq.unlink(missing_ok=True)
    return result


def corpus_shape(corpus: Path, size: int) -> dict[str, float]:
    """Triples and JSON bytes per study, as make_corpus.py recorded them beside the corpus."""
    path = corpus.with_suffix(".json")
    if path.exists():
        return {k: float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()
                if k in ("triples_per_study", "json_bytes_per_study")}
    return {"triples_per_study": 0.0, "json_bytes_per_study": corpus.stat().st_size / size}


def _write_increment(corpus: Path, out: Path, count: int) -> list[str]:
    """``count`` new studies: the corpus' first ones (again from the start if it is smaller)
    under ids NCT8000000… that no corpus uses."""
    lines: list[str] = []
    with open(corpus, encoding="utf-8") as src:
        for line in src:
            lines.append(line)
            if len(lines) == count:
                break
    ids: list[str] = []
    with open(out, "w", encoding="utf-8") as dst:
        for n in range(count):
            line = lines[n % len(lines)]
            nct = str(orjson.loads(line)["protocolSection"]["identificationModule"]["nctId"])
            ids.append(f"NCT8{n:07d}")
            dst.write(line.replace(nct, ids[-1]))
    return ids


# --- report -----------------------------------------------------------------------------


def render(results: list[SizeResult], args: argparse.Namespace) -> str:
    import platform

    lines = [
        "# trialkg benchmark",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the end "
        f"{os.getloadavg()[0]:.1f}; trialkg at commit {_commit()}. Corpus: real API v2 "
        "records resampled with fresh NCT ids, weighted to the registry's shape "
        "(benchmarks/make_corpus.py), JSON Lines. *floor*: Oxigraph's own `bulk_load` of the "
        "same quads in the same run.",
        "",
        "| studies | triples/study | JSON kB/study | corpus MB | triples | parse s | ingest s "
        "| studies/s | peak RSS MiB (all processes; largest) | ingest / floor "
        "| floor bulk load s | ingest CPU s "
        "| floor CPU s "
        "| re-ingest (unchanged) s | add 100 s | remove 100 s | store MB | N-Quads dump s "
        "| Turtle export s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        "---:|---:|",
    ]
    for r in results:
        assert r.ingest and r.turtle
        ratio = r.ingest.seconds / r.floor_s if r.floor_s else float("nan")
        lines.append(
            f"| {r.size:,} | {r.triples_per_study:,.0f} | {r.json_kb_per_study:,.1f} "
            f"| {r.corpus_mb:,.0f} | {r.triples:,} | {r.parse_s:.1f} "
            f"| {r.ingest.seconds:.1f} | {r.size / r.ingest.seconds:,.0f} "
            f"| {r.ingest.peak_rss_mb:,.0f}; {_mb(r.ingest.largest_rss_mb)} "
            f"| {ratio:.2f} | {r.floor_s:.1f} "
            f"| {_cpu(r.ingest.cpu_s)} | {_cpu(r.floor_cpu_s)} "
            f"| {_seconds(r.reingest)} | {_seconds(r.add)} | {_seconds(r.remove)} "
            f"| {r.store_mb:,.0f} | {r.nquads_s:.1f} "
            f"| {r.turtle.seconds:.1f} |"
        )
    return "\n".join(lines) + "\n" + render_queries(results, args)


def _cpu(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds else "-"  # not measured by runs before the column


def _mb(value: float) -> str:
    return f"{value:,.0f}" if value else "-"  # not measured by runs before the column


def _seconds(run: Run | None) -> str:
    return f"{run.seconds:.1f}" if run is not None else "-"


def _commit() -> str:
    proc = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                            "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    return (proc.stdout.strip() or "unknown") + (" with uncommitted changes" if dirty else "")


def render_queries(results: list[SizeResult], args: argparse.Namespace) -> str:
    lines: list[str] = []
    names = sorted({n for r in results for n in r.queries})
    if names:
        folder = (args.queries.resolve().relative_to(REPO)
                  if args.queries.resolve().is_relative_to(REPO) else args.queries.name)
        lines += ["", f"Stored queries ({folder}/), median of {args.repeat} runs, ms "
                  "(rows returned):", "",
                  "| query | kind | " + " | ".join(f"{r.size:,}" for r in results) + " |",
                  "|---|---|" + "---:|" * len(results)]
        for n in names:
            kind = next((r.queries[n][0] for r in results if n in r.queries), "")
            cells = []
            for r in results:
                k, t, rows = r.queries.get(n, ("", None, 0))
                cells.append(f"{t * 1000:,.1f} ({rows})" if t is not None else k or "-")
            lines.append(f"| {n} | {kind if not kind.startswith(('skip', 'err')) else '-'} | "
                         + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--work", type=Path, default=HERE / "stores")
    parser.add_argument("--queries", type=Path, default=REPO / "queries")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted run of the same commit from the first "
                        "step it had not finished (the steps done are in --work/SIZE/"
                        "result.json)")
    parser.add_argument("--skip", default="",
                        help="steps not to run, comma-separated (of: reingest, increment, "
                        "queries); a long run on a busy machine keeps the ingest, the floor "
                        "and the export")
    parser.add_argument("--queries-only", action="store_true",
                        help="only time the stored queries on the stores a previous run left "
                        "in --work")
    args = parser.parse_args()
    args.skip = {s for s in args.skip.split(",") if s}
    if args.skip - {"reingest", "increment", "queries"}:
        parser.error("--skip: only reingest, increment and queries can be skipped")
    if args.queries_only:
        results = []
        for size in (int(s) for s in args.sizes.split(",")):
            r = SizeResult(size, 0.0)
            r.queries = time_queries(args.work / str(size) / "store", args.queries,
                                     args.repeat, "NCT90000000")
            results.append(r)
        print(render_queries(results, args))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        results.append(run_size(size, args))
        table = render(results, args)  # written after each size, so a long run shows early
        args.output.write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
