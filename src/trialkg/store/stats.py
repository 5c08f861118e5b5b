"""Counts that describe a store: studies, triples, instances per class, named graphs."""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

from trialkg.iris import PREFIXES, TKG
from trialkg.store import ENTITIES_GRAPH, STUDY_GRAPH_PREFIX, TrialStore

__all__ = ["compute_stats", "render_stats"]


def _compact(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def compute_stats(store: TrialStore) -> dict[str, Any]:
    graphs: dict[str, int] = {}
    studies = len(store.study_ids())
    for g in store.store.named_graphs():
        if isinstance(g, ox.NamedNode):
            graphs[g.value] = sum(1 for _ in store.store.quads_for_pattern(None, None, None, g))
    graphs = dict(sorted(graphs.items()))
    classes: dict[str, int] = {}
    # the study records (the store's default graph) and the shared entities
    rows = store.store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { { ?s a ?c } UNION "
        f"{{ GRAPH <{ENTITIES_GRAPH}> {{ ?s a ?c }} }} FILTER(STRSTARTS(STR(?c), '{TKG}')) }} "
        "GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        classes[_compact(row[0].value)] = int(row[1].value)
    return {
        "store": str(store.path) if store.path else "(bundled graph, in memory)",
        "studies": studies,
        "triples": len(store),
        "classes": classes,
        "graphs": {**graphs, f"{STUDY_GRAPH_PREFIX}…": studies},
    }


def render_stats(stats: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(stats, indent=2, sort_keys=False)
    lines = [
        f"store    {stats['store']}",
        f"studies  {stats['studies']:,}",
        f"triples  {stats['triples']:,}",
        "",
        "instances per class",
    ]
    width = max((len(c) for c in stats["classes"]), default=10)
    lines += [f"  {c:<{width}}  {n:>9,}" for c, n in stats["classes"].items()]
    lines += ["", "named graphs"]
    width = max((len(g) for g in stats["graphs"]), default=10)
    for g, n in stats["graphs"].items():
        unit = "studies" if g.endswith("…") else "triples"
        lines.append(f"  {g:<{width}}  {n:>9,} {unit}")
    return "\n".join(lines)
