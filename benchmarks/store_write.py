"""Where the store write's time goes: ways of writing the same quads, against one bulk load.

    python benchmarks/store_write.py [--size 10000] [--experiments floor,bulk-155k,...]

The corpus (benchmarks/make_corpus.py, re-based on the registry's shape) is mapped once, as
the ingest worker maps it (N-Quads text per study, :func:`trialkg.mapping.study.study_text`), into
``--work/SIZE/all.nq`` with each study's line count, so every experiment writes exactly the
quads ``trialkg ingest`` writes, cut in batches at study boundaries as the ingest cuts them.
Each experiment runs in a fresh store, in its own process (wall time, CPU time of the process
and its RocksDB threads, peak RSS), one after the other in the same run, so the machine's load
is about the same for all; every time is also given as a ratio to ``floor``: Oxigraph's own
``bulk_load`` of the whole file, the fastest way Oxigraph has to write these quads.

Experiments (``NAME`` in ``--experiments``):

* ``floor`` — one ``bulk_load`` of the whole N-Quads file;
* ``bulk-Nk`` — one ``bulk_load`` per batch of at most N thousand quads (whole studies), as
  the ingest commits: each batch is one atomic RocksDB ingestion while it is under the bulk
  loader's 1M-quad chunk;
* ``load-Nk`` — ``Store.load`` per batch: one transaction (memtable, write-ahead log);
* ``extend-Nk`` — ``Store.extend`` per batch, the quads parsed to Python terms first;
* ``default-floor`` / ``default-bulk-Nk`` — the same triples in the default graph (three
  indexes instead of six for a quad in a named graph);
* ``...+optimize`` — the same, then ``Store.optimize()`` (a full compaction), timed apart.

After the write, ``dump`` times Oxigraph's N-Quads dump of the store (``--dump``), and after
``optimize`` again: the export's read speed with and without compaction.

Writes the table to ``--output`` (default benchmarks/store-write-SIZE.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_EXPERIMENTS = ("floor,floor+optimize,bulk-155k,bulk-155k+optimize,bulk-50k,bulk-500k,"
                       "bulk-900k,load-155k,extend-155k,default-floor,default-bulk-155k")


def map_corpus(corpus: Path, out: Path) -> None:
    """The corpus as the ingest worker maps it: ``all.nq`` and ``all.counts`` (quads per study)."""
    from trialkg.mapping.study import study_text
    from trialkg.model import Study
    from trialkg.sources import read_paths

    tmp = out.with_suffix(".part")
    counts: list[int] = []
    with open(tmp, "wb") as nq:
        for item in read_paths([corpus]):
            if not isinstance(item, Study):
                continue
            text, count, _digest = study_text(item)
            nq.write(text)
            counts.append(count)
    out.with_suffix(".counts").write_text(json.dumps(counts), encoding="utf-8")
    tmp.replace(out)


def batches(nq: Path, cap: int, default_graph: bool) -> list[bytes]:
    """The N-Quads text cut in batches of whole studies of at most ``cap`` quads."""
    counts: list[int] = json.loads(nq.with_suffix(".counts").read_text(encoding="utf-8"))
    out: list[bytes] = []
    lines: list[bytes] = []
    with open(nq, "rb") as handle:
        for count in counts:
            study = [handle.readline() for _ in range(count)]
            if lines and len(lines) + count > cap:
                out.append(b"".join(lines))
                lines = []
            lines.extend(study)
        if lines:
            out.append(b"".join(lines))
    if default_graph:
        out = [as_triples(b) for b in out]
    return out


def as_triples(text: bytes) -> bytes:
    """N-Quads lines as N-Triples (the graph name dropped): Oxigraph serialises each term on
    its own, so the graph is the last term before `` .``."""
    lines = text.splitlines()
    return b"".join(line[:line.rindex(b" <")] + b" .\n" for line in lines)


def one(name: str, nq: Path, store_dir: Path, dump: bool) -> dict[str, Any]:
    """Run one experiment in this process; its measurements."""
    import pyoxigraph as ox

    optimize = name.endswith("+optimize")
    base = name.removesuffix("+optimize")
    default_graph = base.startswith("default-")
    base = base.removeprefix("default-")
    fmt = ox.RdfFormat.N_TRIPLES if default_graph else ox.RdfFormat.N_QUADS
    store = ox.Store(str(store_dir))
    result: dict[str, Any] = {"name": name}
    if base == "floor":
        source = nq
        if default_graph:
            source = nq.with_suffix(".nt")
            if not source.exists():
                source.write_bytes(as_triples(nq.read_bytes()))
        start = time.perf_counter()
        store.bulk_load(path=str(source), format=fmt, lenient=True)
        result["write_s"] = time.perf_counter() - start
        result["batches"] = 1
    else:
        how, size = base.split("-")
        parts = batches(nq, int(size.removesuffix("k")) * 1000, default_graph)
        start = time.perf_counter()
        for part in parts:
            if how == "bulk":
                store.bulk_load(input=part, format=fmt, lenient=True)
            elif how == "load":
                store.load(input=part, format=fmt, lenient=True)
            elif how == "extend":
                store.extend(list(ox.parse(part, format=fmt)))
            else:
                raise SystemExit(f"unknown experiment {name}")
        result["write_s"] = time.perf_counter() - start
        result["batches"] = len(parts)
    store.flush()
    result["store_mb_before_optimize"] = du_mb(store_dir)
    if dump:
        result["dump_s"] = time_dump(store)
    if optimize:
        start = time.perf_counter()
        store.optimize()
        result["optimize_s"] = time.perf_counter() - start
        if dump:
            result["dump_after_optimize_s"] = time_dump(store)
    result["store_mb"] = du_mb(store_dir)
    result["quads"] = len(store)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def time_dump(store: Any) -> float:
    import pyoxigraph as ox

    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        store.dump(sink, ox.RdfFormat.N_QUADS)
    return time.perf_counter() - start


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def render(size: int, shape: dict[str, float], results: list[dict[str, Any]],
           loads: list[float]) -> str:
    import platform

    floor = next((r for r in results if r["name"] in ("floor", "floor+optimize")), None)
    lines = [
        f"## Store write, {size:,} studies",
        "",
        f"{shape.get('triples_per_study', 0):,.0f} triples and "
        f"{shape.get('json_bytes_per_study', 0) / 1e3:,.1f} kB of JSON per study; "
        f"{results[0]['quads']:,} quads. {platform.machine()}, {os.cpu_count()} cores; load "
        f"average {min(loads):.1f} to {max(loads):.1f} during the run (other work beside it). "
        "Ratios are to `floor` (one `bulk_load` of the same quads) in the same run.",
        "",
        "| experiment | batches | write s | / floor | quads/s | CPU s | peak RSS MiB "
        "| store MB | optimize s | store MB after | dump s | dump quads/s "
        "| dump after optimize s | quads/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r["write_s"] / floor["write_s"] if floor else float("nan")
        q = r["quads"]

        def rate(key: str, r: dict[str, Any] = r, q: int = q) -> str:
            return f"{q / r[key]:,.0f}" if r.get(key) else "-"

        def sec(key: str, r: dict[str, Any] = r) -> str:
            return f"{r[key]:.1f}" if key in r else "-"

        lines.append(
            f"| {r['name']} | {r['batches']:,} | {r['write_s']:.1f} | {ratio:.2f} "
            f"| {rate('write_s')} | {r['cpu_s']:.1f} | {r['peak_rss_mb']:,.0f} "
            f"| {r['store_mb_before_optimize']:,.0f} | {sec('optimize_s')} "
            f"| {r['store_mb']:,.0f} | {sec('dump_s')} | {rate('dump_s')} "
            f"| {sec('dump_after_optimize_s')} | {rate('dump_after_optimize_s')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--work", type=Path, default=HERE / "stores" / "store-write")
    parser.add_argument("--experiments", default=DEFAULT_EXPERIMENTS)
    parser.add_argument("--no-dump", dest="dump", action="store_false",
                        help="do not time the N-Quads dump after each write")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one experiment (a child)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.work / str(args.size)
    nq = work / "all.nq"
    if args.one:
        print(json.dumps(one(args.one, nq, args.store, args.dump)))
        return
    corpus = args.corpus / f"corpus-{args.size}.jsonl"
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--sizes",
                        str(args.size), "--out", str(args.corpus)], check=True)
    shape_file = corpus.with_suffix(".json")
    shape = json.loads(shape_file.read_text(encoding="utf-8")) if shape_file.exists() else {}
    work.mkdir(parents=True, exist_ok=True)
    if not nq.exists():
        start = time.perf_counter()
        map_corpus(corpus, nq)
        print(f"mapped in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    results: list[dict[str, Any]] = []
    loads: list[float] = []
    output = args.output or HERE / f"store-write-{args.size}.md"
    for name in args.experiments.split(","):
        store = work / "store"
        subprocess.run(["rm", "-rf", str(store)], check=True)
        loads.append(os.getloadavg()[0])
        cmd = [sys.executable, __file__, "--size", str(args.size), "--work", str(args.work),
               "--one", name, "--store", str(store)]
        if not args.dump:
            cmd.append("--no-dump")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{name} failed:\n{done.stderr}")
        results.append(json.loads(done.stdout))
        loads.append(os.getloadavg()[0])
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        output.write_text(render(args.size, shape, results, loads), encoding="utf-8")
    subprocess.run(["rm", "-rf", str(work / "store")], check=True)
    print(render(args.size, shape, results, loads))


if __name__ == "__main__":
    main()
