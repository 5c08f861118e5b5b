"""plot: draw the chart a stored query declares (PNG, SVG, HTML or its Vega-Lite JSON).

Exit status: 0 drawn, 1 the query or the store failed, 2 a usage error (unknown query, a
query without a chart, a bad parameter, an output extension no chart is written in).
"""

from __future__ import annotations

from pathlib import Path

import click

from trialkg.cli.common import STORE_OPTION, err
from trialkg.cli.query import UsageProblem, _find
from trialkg.exceptions import ChartError, ParameterError

__all__ = ["COMMANDS"]


@click.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (repeatable); see `trialkg query show NAME`.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: .png, .svg, .html (works offline) or .json (the spec).")
@STORE_OPTION
@click.option("--scale", type=click.FloatRange(0.5, 8), default=2.0, show_default=True,
              help="Pixels per unit of a PNG (2 for sharp pictures on high-density screens).")
def plot(name: str, params: tuple[str, ...], output: Path, store_path: str | None,
         scale: float) -> None:
    """Run a stored query and draw its chart, e.g.
    `trialkg plot timeline -p drug=imatinib -o timeline.png`.

    The chart is the Vega-Lite view in the query's `#+ chart:` header; `trialkg query list`
    tags the queries that have one with `chart`.
    """
    from trialkg.queries import LocalExecutor, parse_assignments, run_stored
    from trialkg.queries.charts import chart_format, chart_spec, json_rows, render
    from trialkg.store.ingest import open_for_reading

    q = _find(name)
    chart = q.header.get("chart")
    try:
        if chart is None:
            from trialkg.queries import QueryLibrary

            have = [s.name for s in QueryLibrary.default() if s.header.get("chart")]
            raise ChartError(f"query {name!r} has no chart; these have one: {', '.join(have)}")
        fmt = chart_format(output)
        values = parse_assignments(params)
    except (ChartError, ParameterError) as exc:
        raise UsageProblem(str(exc)) from None
    store = open_for_reading(store_path)
    try:
        try:
            result = run_stored(q, values, LocalExecutor(store))
        except ParameterError as exc:
            raise UsageProblem(str(exc)) from None
        columns, rows = json_rows(result)  # type: ignore[arg-type]
    finally:
        store.close()
    data = render(chart_spec(chart, rows, title=q.summary, columns=columns), fmt, scale=scale)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ChartError(f"cannot write {output}: {exc.strerror or exc}") from None
    err(f"wrote {output} ({len(rows)} rows, {len(data):,} bytes)")
    if not rows:
        err(f"warning: {name} gave no rows: the chart is empty")


COMMANDS: list[click.Command] = [plot]
