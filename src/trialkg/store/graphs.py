"""Rendering of ``trialkg graphs``: an aligned text table or JSON."""

from __future__ import annotations

import orjson

from trialkg.iris import GRAPH
from trialkg.store import GraphInfo

__all__ = ["render_graphs"]

_COLUMNS = ("graph", "kind", "triples", "version", "ingested", "source")


def render_graphs(infos: list[GraphInfo], fmt: str = "table") -> str:
    """The graphs as ``table`` (short graph names, aligned columns) or ``json`` text.

    >>> print(render_graphs([GraphInfo(GRAPH + "ontology", "ontology", 12)]), end="")
    graph     kind      triples  version  ingested  source
    ontology  ontology       12  -        -         -
    """
    if fmt == "json":
        return orjson.dumps([i.as_dict() for i in infos], option=orjson.OPT_INDENT_2).decode(
        ) + "\n"
    rows = [list(_COLUMNS)]
    for i in infos:
        name = i.iri[len(GRAPH):] if i.iri.startswith(GRAPH) else i.iri
        rows.append([name, i.kind, str(i.triples), i.version or "-", i.ingested or "-",
                     i.source or "-"])
    widths = [max(len(r[c]) for r in rows) for c in range(len(_COLUMNS))]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if c == 2 else cell.ljust(w)
                 for c, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
