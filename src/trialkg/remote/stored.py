"""The serve page's stored-query routes: a query bound with its parameters, and its chart.

``/bound?name=NAME&KEY=VALUE…`` answers the query's text with the parameters bound (VALUES
blocks, as `trialkg query run --print-query`), for the page to run as any query;
``/chart?name=NAME&KEY=VALUE…`` runs it on the served store and answers its chart as SVG
(drawn on the server by vl-convert: the page needs no JavaScript library and no network).
"""

from __future__ import annotations

import re
from pathlib import Path

from trialkg.exceptions import TrialKGError
from trialkg.store import TrialStore

__all__ = ["ROUTES", "stored_route"]

ROUTES = ("/bound", "/chart")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def stored_route(route: str, values: dict[str, str], folder: Path, store: TrialStore
                 ) -> tuple[int, bytes, str]:
    """Status, body and media type for one request to :data:`ROUTES`; a bad name,
    parameter or chart is a 4xx with one line of text."""
    from trialkg.queries import LocalExecutor, load_query
    from trialkg.queries.run import (
        bound_text,
        chain_resolvers,
        mesh_resolver_for,
        searcher_for,
        vocabulary_resolver,
    )

    values = dict(values)
    name = values.pop("name", "")
    path = folder / f"{name}.rq"
    if not _NAME_RE.match(name) or not path.is_file():
        return 404, f"no stored query {name!r}\n".encode(), "text/plain; charset=utf-8"
    values = {k: v for k, v in values.items() if v.strip()}  # an empty input: not given
    executor = LocalExecutor(store)
    try:
        query = load_query(path)
        resolver = chain_resolvers(mesh_resolver_for(executor), vocabulary_resolver())
        text = bound_text(query, values, resolver=resolver, searcher=searcher_for(executor))
        if route == "/bound":
            return 200, text.encode(), "text/plain; charset=utf-8"
        chart = query.header.get("chart")
        if chart is None:
            return 404, f"query {name!r} has no chart\n".encode(), "text/plain; charset=utf-8"
        from trialkg.charts import chart_spec, json_rows, render

        columns, rows = json_rows(executor.query(text))  # type: ignore[arg-type]
        svg = render(chart_spec(chart, rows, title=query.summary, columns=columns), "svg")
    except TrialKGError as exc:
        return 400, f"{exc}\n".encode(), "text/plain; charset=utf-8"
    return 200, svg, "image/svg+xml"
