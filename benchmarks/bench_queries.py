"""Time stored queries on an existing store, with chosen parameters; print a Markdown table.

    python benchmarks/bench_queries.py STORE [--queries DIR] [--baseline DIR] [--repeat 5]
                                             [--trial NCT…] [--only NAME …] [--timeout 300]

The store is opened read-only and queried as ``trialkg query run`` does (named graphs as one
default graph, the project's prefixes, parameters bound by ``trialkg.queries``). Each query
runs with the parameter sets in ``SPECS`` (the per-trial ones with ``--trial``), ``--repeat``
times or until it has used ``--budget`` seconds, each case in its own process so that a case
slower than ``--timeout`` seconds can be stopped.

Cells give the median wall-clock time and, in brackets, the median CPU time of the querying
process. Oxigraph evaluates a query in the calling thread, so on a busy machine the CPU time
is the better estimate of the serial latency.

With ``--baseline`` (another folder of ``*.rq``, e.g. an older checkout's ``queries/``) each
case runs both texts, alternately, and the table gives both medians and whether they return
the same rows (as multisets; "same, order differs" when only the order changed).

Unlike ``benchmarks/run.py`` (which builds stores and times every query with its
``#+ example:`` values), this measures a store that already exists, while reshaping queries.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

#: (query name, parameters); ``{trial}`` stands for ``--trial``.
SPECS: list[tuple[str, dict[str, str]]] = [
    ("trials-by-sponsor", {"sponsor": "Bayer"}),
    ("trials-by-sponsor", {"sponsor": "Bayer", "role": "lead"}),
    ("trials-by-condition", {"condition": "D003920", "descendants": "true"}),
    ("trials-by-condition", {"condition": "D003920", "descendants": "false"}),
    ("trials-by-drug", {"drug": "D016190", "descendants": "true"}),
    ("trials-by-drug", {"drug": "D016190", "descendants": "false"}),
    ("trials-by-drug-name", {"drug": "semaglutide"}),
    ("timeline", {"condition": "D003920"}),
    ("timeline", {"drug": "D016190", "descendants": "false"}),
    ("eligibility-for-condition", {"condition": "D003920"}),
    ("trial-card", {"trial": "{trial}"}),
    ("trial-in-graph", {"trial": "{trial}"}),
    ("trial-outcomes", {"trial": "{trial}"}),
    ("primary-outcome-results", {"trial": "{trial}"}),
    ("sites-by-country", {"trial": "{trial}"}),
    ("similar-trials", {"trial": "{trial}"}),
    ("adverse-events-for-drug", {"intervention": "D016190"}),
    ("adverse-events-for-drug", {"intervention": "D000068582"}),
    ("response-rates", {"intervention": "D016190"}),
    ("response-rates", {"intervention": "D000068582"}),
    ("imatinib-dfsp-desmoid", {}),
    ("trials-with-results", {"sponsor": "Bayer"}),
    ("trials-by-phase-status", {"phase": "3", "status": "completed"}),
    ("phase-status-counts", {}),
    ("enrollment-by-phase", {}),
    ("enrollment-by-phase", {"status": "completed"}),
    ("sponsor-collaborations", {"sponsor": "Bayer"}),
    ("sponsor-collaborations", {}),
    ("sites-by-country", {}),
    ("trials-with-results-by-phase", {}),
    ("trials-lacking-mesh", {}),
    ("drug-condition-cooccurrence", {}),
    ("trials-with-results", {}),
]

Rows = list[tuple[str, ...]]


# --- one case, in a child process ------------------------------------------------------


def rows_of(answer: object) -> Rows:
    """Every row (solution, triple or the boolean) as a tuple of N-Triples strings."""
    import pyoxigraph as ox

    if isinstance(answer, ox.QuerySolutions):
        names = answer.variables
        return [tuple("" if s[v] is None else str(s[v]) for v in names) for s in answer]
    if isinstance(answer, ox.QueryTriples):
        return [(str(t.subject), str(t.predicate), str(t.object)) for t in answer]
    return [(str(bool(answer)),)]


def compare(old: Rows, new: Rows) -> str:
    if old == new:
        return "same"
    if Counter(old) == Counter(new):
        return "same, order differs"
    return (f"**differ** ({sum((Counter(old) - Counter(new)).values())} only before, "
            f"{sum((Counter(new) - Counter(old)).values())} only after)")


def run_case(store_path: Path, texts: list[str], repeat: int, budget: float) -> dict[str, Any]:
    """Time each text ``repeat`` times, alternately; stop a text after ``budget`` seconds."""
    import pyoxigraph as ox

    from trialkg.iris import PREFIXES

    store = ox.Store.read_only(str(store_path))
    wall: list[list[float]] = [[] for _ in texts]
    cpu: list[list[float]] = [[] for _ in texts]
    rows: list[Rows] = [[] for _ in texts]
    for _ in range(repeat):
        for i, text in enumerate(texts):
            if sum(wall[i]) > budget:
                continue
            start, start_cpu = time.perf_counter(), time.process_time()
            rows[i] = rows_of(store.query(text, prefixes=PREFIXES,
                                          use_default_graph_as_union=True))
            wall[i].append(time.perf_counter() - start)
            cpu[i].append(time.process_time() - start_cpu)
    out: dict[str, Any] = {
        "ms": [statistics.median(w) * 1000 for w in wall],
        "cpu_ms": [statistics.median(c) * 1000 for c in cpu],
        "rows": len(rows[-1]),
    }
    if len(texts) == 2:
        out["same"] = compare(rows[0], rows[1])
    return out


def child_main(args: argparse.Namespace) -> None:
    from trialkg.queries import QueryLibrary, bound_text

    name, params = args.case[0], json.loads(args.case[1])
    folders = [args.baseline, args.queries] if args.baseline else [args.queries]
    texts = [bound_text(QueryLibrary.from_dir(f).get(name), params) for f in folders]
    print(json.dumps(run_case(args.store, texts, args.repeat, args.budget)))


# --- the table ----------------------------------------------------------------------------


def cell(result: dict[str, Any], i: int) -> str:
    return f"{result['ms'][i]:,.0f} ({result['cpu_ms'][i]:,.0f})"


def measure(args: argparse.Namespace, name: str, params: dict[str, str]) -> str:
    shown = " ".join(f"{k}={v}" for k, v in params.items()) or "-"
    cmd = [sys.executable, __file__, str(args.store), "--case", name, json.dumps(params),
           "--queries", str(args.queries), "--repeat", str(args.repeat),
           "--budget", str(args.budget)]
    if args.baseline:
        cmd += ["--baseline", str(args.baseline)]
    columns = 3 if args.baseline else 1
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return f"| {name} | {shown} | ? |" + f" > {args.timeout:,.0f} s |" * columns
    if proc.returncode != 0:
        error = (proc.stderr.strip().splitlines() or ["failed"])[-1][:100]
        return f"| {name} | {shown} | ? |" + f" error: {error} |" * columns
    result = json.loads(proc.stdout)
    if args.baseline:
        return (f"| {name} | {shown} | {result['rows']} | {cell(result, 0)} "
                f"| {cell(result, 1)} | {result['same']} |")
    return f"| {name} | {shown} | {result['rows']} | {cell(result, 0)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="an Oxigraph store folder (opened read-only)")
    parser.add_argument("--queries", type=Path, default=REPO / "queries",
                        help="folder of stored queries to time (default: this checkout's)")
    parser.add_argument("--baseline", type=Path,
                        help="an older folder of the same queries to compare with")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (median)")
    parser.add_argument("--budget", type=float, default=6.0,
                        help="stop repeating a case after this many seconds")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="stop a case (all its runs) after this many seconds")
    parser.add_argument("--trial", default="NCT90000932", help="the trial of per-trial cases")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these queries")
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)  # NAME PARAMS-JSON
    args = parser.parse_args()
    if args.case:
        child_main(args)
        return
    if args.baseline:
        print("| query | params | rows | before: ms (CPU ms) | after: ms (CPU ms) | rows |")
        print("|---|---|---:|---:|---:|---|")
    else:
        print("| query | params | rows | ms (CPU ms) |")
        print("|---|---|---:|---:|")
    for name, params in SPECS:
        if args.only and name not in args.only:
            continue
        params = {k: v.replace("{trial}", args.trial) for k, v in params.items()}
        print(measure(args, name, params), flush=True)


if __name__ == "__main__":
    main()
