"""Charts of stored queries: the Vega-Lite description in a query's ``#+ chart:`` header,
filled with the query's rows and rendered offline (Altair checks it, vl-convert draws it).

A chart is a Vega-Lite view without data: mark, encodings, and for each encoding a field
of the query's result (a variable of its SELECT), optionally layers, facets and transforms::

    #+ chart:
    #+   mark: bar
    #+   encoding:
    #+     x: {field: country, type: nominal, sort: -y}
    #+     y: {field: sites, type: quantitative}

Rows become JSON values: numbers (xsd:integer, decimal, double ...) as numbers, booleans as
booleans, anything else as its text (dates keep the registry's precision: ``2004-09``).

PNG and SVG are drawn by vl-convert (a bundled Deno + Vega, no browser, no network); HTML
carries the Vega, Vega-Lite and vega-embed JavaScript inline, so it opens offline too.
Altair and vl-convert are imported only when a chart is drawn.

>>> spec = chart_spec({"mark": "bar", "encoding": {"x": {"field": "n", "type": "quantitative"}}},
...                   [{"n": 3}], title="t")
>>> spec["data"], spec["mark"], spec["title"]
({'values': [{'n': 3}]}, 'bar', 't')
>>> chart_format(Path("x.gif"))
Traceback (most recent call last):
...
trialkg.exceptions.ChartError: x.gif: cannot write a chart as .gif (use .png, .svg, .html or .json)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from trialkg.exceptions import ChartError

__all__ = [
    "CHART_FORMATS",
    "chart_format",
    "chart_spec",
    "derived_fields",
    "encoded_fields",
    "json_rows",
    "render",
    "scenegraph_marks",
    "validate",
]

#: File extension -> media type of the formats a chart is written in.
CHART_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html",
                 "json": "application/json"}
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {f"{_XSD}{t}" for t in ("integer", "decimal", "double", "float", "int", "long",
                                   "short", "nonNegativeInteger", "positiveInteger")}
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def chart_format(path: Path) -> str:
    """The chart format of an output file, from its extension.

    :raises ChartError: for an extension no chart is written in.
    """
    ext = path.suffix.lower().lstrip(".")
    if ext not in CHART_FORMATS:
        shown = f".{ext}" if ext else "no extension"
        raise ChartError(f"{path}: cannot write a chart as {shown} "
                         f"(use {', '.join('.' + e for e in list(CHART_FORMATS)[:-1])} "
                         f"or .{list(CHART_FORMATS)[-1]})")
    return ext


def _value(term: object) -> Any:
    if isinstance(term, ox.Literal):
        kind = term.datatype.value if term.datatype is not None else ""
        if kind in _NUMERIC:
            try:
                number = float(term.value)
            except ValueError:
                return term.value
            return int(number) if number.is_integer() and "." not in term.value else number
        if kind == f"{_XSD}boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return None if term is None else str(term)


def json_rows(result: ox.QuerySolutions) -> tuple[list[str], list[dict[str, Any]]]:
    """The variables of a SELECT result and its rows as JSON-ready mappings (unbound
    variables are left out of a row)."""
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = {}
        for name, term in zip(names, solution, strict=True):
            if term is not None:
                row[name] = _value(term)
        rows.append(row)
    return names, rows


def encoded_fields(chart: Any) -> set[str]:
    """Every ``field`` an encoding of the chart names (in layers and facets too).

    >>> sorted(encoded_fields({"layer": [{"encoding": {"x": {"field": "a"}}},
    ...                                  {"encoding": {"y": {"field": "b"}}}]}))
    ['a', 'b']
    """
    out: set[str] = set()
    if isinstance(chart, Mapping):
        for key, value in chart.items():
            if key in ("encoding", "facet") and isinstance(value, Mapping):
                for channel in value.values():
                    for enc in channel if isinstance(channel, list) else [channel]:
                        if isinstance(enc, Mapping) and isinstance(enc.get("field"), str):
                            out.add(enc["field"])
            elif isinstance(value, Mapping | list):
                out |= encoded_fields(value)
    elif isinstance(chart, list):
        for item in chart:
            out |= encoded_fields(item)
    return out


def chart_spec(chart: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], *,
               title: str | None = None, columns: Iterable[str] | None = None
               ) -> dict[str, Any]:
    """A complete Vega-Lite spec: the header's chart with the rows as inline data.

    :raises ChartError: when an encoding names a field the result does not have.
    """
    if not isinstance(chart, Mapping):
        raise ChartError("the chart must be a mapping (a Vega-Lite view)")
    spec: dict[str, Any] = {"$schema": _SCHEMA}
    if title:
        spec["title"] = title
    spec.update(copy.deepcopy(dict(chart)))
    if columns is not None:
        # fields made by the chart's own transforms are fine; anything else must be a column
        made = derived_fields(spec)
        missing = sorted(encoded_fields(spec) - set(columns) - made)
        if missing:
            raise ChartError(f"the chart encodes {', '.join(missing)}, which the query does "
                             f"not return (it returns {', '.join(columns)})")
    spec["data"] = {"values": [dict(r) for r in rows]}
    return spec


def derived_fields(spec: Any) -> set[str]:
    """Fields the chart's own transforms make (``as``, ``groupby``, aggregates).

    >>> derived_fields({"transform": [{"calculate": "1", "as": "one"}]})
    {'one'}
    """
    out: set[str] = set()
    if isinstance(spec, Mapping):
        for key, value in spec.items():
            if key == "transform" and isinstance(value, list):
                for step in value:
                    if isinstance(step, Mapping):
                        for k in ("as", "groupby"):
                            names = step.get(k)
                            for name in names if isinstance(names, list) else [names]:
                                if isinstance(name, str):
                                    out.add(name)
                        for sub in step.get("aggregate", []) or []:
                            if isinstance(sub, Mapping) and isinstance(sub.get("as"), str):
                                out.add(sub["as"])
            else:
                out |= derived_fields(value)
    elif isinstance(spec, list):
        for item in spec:
            out |= derived_fields(item)
    return out


def validate(spec: Mapping[str, Any]) -> None:
    """Check the spec against the Vega-Lite schema (Altair's validation).

    :raises ChartError: with the first problem the schema finds.
    """
    import altair as alt

    kind = (alt.LayerChart if "layer" in spec else alt.FacetChart if "facet" in spec
            else alt.HConcatChart if "hconcat" in spec else alt.VConcatChart
            if "vconcat" in spec else alt.Chart)
    try:
        kind.from_dict(dict(spec), validate=True)
    except Exception as exc:  # altair raises jsonschema / its own SchemaValidationError
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ChartError(f"the chart is not valid Vega-Lite: {first}") from None


def render(spec: Mapping[str, Any], fmt: str, *, scale: float = 2.0) -> bytes:
    """The chart drawn as PNG, SVG, standalone HTML (JavaScript inline) or its JSON spec.

    :raises ChartError: for an unknown format, or when Vega cannot draw the spec.
    """
    if fmt == "json":
        return json.dumps(spec, indent=2, ensure_ascii=False).encode()
    if fmt not in CHART_FORMATS:
        raise ChartError(f"unknown chart format {fmt!r}")
    validate(spec)
    import vl_convert as vlc

    try:
        if fmt == "png":
            return bytes(vlc.vegalite_to_png(dict(spec), scale=scale))
        if fmt == "svg":
            return str(vlc.vegalite_to_svg(dict(spec))).encode()
        return str(vlc.vegalite_to_html(dict(spec), bundle=True)).encode()
    except ValueError as exc:
        raise ChartError(f"cannot draw the chart: {str(exc).splitlines()[0]}") from None


def scenegraph_marks(spec: Mapping[str, Any]) -> dict[str, int]:
    """How many items of each mark type Vega draws for the spec (from its scenegraph):
    what a test compares with the rows it expects."""
    import vl_convert as vlc

    counts: dict[str, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if node.get("marktype") and node.get("role") == "mark":
                kind = str(node["marktype"])
                counts[kind] = counts.get(kind, 0) + len(node.get("items", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(vlc.vegalite_to_scenegraph(dict(spec)))
    return counts
