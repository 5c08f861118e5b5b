"""The serve page's stored-query routes: a query run with its parameters, bound, or charted.

``/run/NAME?KEY=VALUE…`` runs the stored query with its parameters bound on the served store
(answered as any ``/sparql`` query); ``/bound?name=NAME&KEY=VALUE…`` answers the query's text
with the parameters bound (VALUES blocks, as `trialkg query run --print-query`);
``/chart?name=NAME&KEY=VALUE…`` runs it and answers its chart as SVG (drawn on the server by
vl-convert: the page needs no JavaScript library and no network). Every route binds the same
way as `trialkg query run`: typed values, MeSH names through the store's MeSH graph and the
bundled vocabulary, ``text`` parameters through the store's full-text index.
"""

from __future__ import annotations

import re
from pathlib import Path

from trialkg.exceptions import TrialKGError
from trialkg.store import TrialStore

__all__ = ["ROUTES", "StoredQueryProblem", "bound_stored_query", "stored_route"]

ROUTES = ("/bound", "/chart")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TEXT = "text/plain; charset=utf-8"


class StoredQueryProblem(Exception):
    """A request for a stored query that cannot be answered: ``status`` and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def bound_stored_query(name: str, values: dict[str, str], folder: Path, store: TrialStore
                       ) -> str:
    """The stored query ``name``'s text with ``values`` bound (an empty value: not given).

    :raises StoredQueryProblem: 404 no such query, 400 a bad or missing parameter.
    """
    from trialkg.queries import LocalExecutor, load_query
    from trialkg.queries.run import (
        bound_text,
        chain_resolvers,
        mesh_resolver_for,
        searcher_for,
        vocabulary_resolver,
    )

    path = folder / f"{name}.rq"
    if not _NAME_RE.match(name) or not path.is_file():
        raise StoredQueryProblem(404, f"no stored query {name!r} (see /queries)")
    values = {k: v.strip() for k, v in values.items() if v.strip()}
    executor = LocalExecutor(store)
    try:
        query = load_query(path)
        resolver = chain_resolvers(mesh_resolver_for(executor), vocabulary_resolver())
        return bound_text(query, values, resolver=resolver, searcher=searcher_for(executor))
    except TrialKGError as exc:
        raise StoredQueryProblem(400, str(exc)) from None


def stored_route(route: str, values: dict[str, str], folder: Path, store: TrialStore
                 ) -> tuple[int, bytes, str]:
    """Status, body and media type for one request to :data:`ROUTES`; a bad name,
    parameter or chart is a 4xx with one line of text."""
    from trialkg.queries import LocalExecutor, load_query

    values = dict(values)
    name = values.pop("name", "")
    try:
        text = bound_stored_query(name, values, folder, store)
    except StoredQueryProblem as exc:
        return exc.status, f"{exc}\n".encode(), _TEXT
    if route == "/bound":
        return 200, text.encode(), _TEXT
    try:
        query = load_query(folder / f"{name}.rq")
        chart = query.header.get("chart")
        if chart is None:
            return 404, f"query {name!r} has no chart\n".encode(), _TEXT
        from trialkg.queries.charts import chart_spec, json_rows, render

        columns, rows = json_rows(LocalExecutor(store).query(text))  # type: ignore[arg-type]
        svg = render(chart_spec(chart, rows, title=query.summary, columns=columns), "svg")
    except TrialKGError as exc:
        return 400, f"{exc}\n".encode(), _TEXT
    return 200, svg, "image/svg+xml"
