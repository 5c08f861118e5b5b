"""Query results out: W3C result formats for tools, tables for people, RDF for graphs.

SELECT and ASK results are written as SPARQL 1.1 Query Results JSON, CSV or TSV (by
pyoxigraph), or as a terminal table or a Markdown table; CONSTRUCT and DESCRIBE results as
RDF in any format of :mod:`trialkg.formats`, with trialkg's prefixes bound.

>>> compact("https://identifiers.org/clinicaltrials:NCT00122473")
'ctid:NCT00122473'
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from trialkg.exceptions import QueryError
from trialkg.formats import DEFAULT_FORMAT, FORMATS, format_for_path
from trialkg.iris import PREFIXES

__all__ = [
    "RESULT_FORMATS",
    "compact",
    "format_for_output",
    "markdown_table",
    "table_for",
    "terminal_table",
    "text_table",
    "write_result",
]

#: Formats of SELECT/ASK results: name -> pyoxigraph results format (None: rendered here).
RESULT_FORMATS: dict[str, ox.QueryResultsFormat | None] = {
    "table": None,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "md": None,
}
_RESULT_EXTENSIONS = {"csv": "csv", "tsv": "tsv", "json": "json", "srj": "json", "md": "md",
                      "txt": "table"}
_LOCAL_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_NAMESPACES = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))

#: What an executor returns: solutions, a boolean, or triples (local or remote).
Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterator[ox.Triple]


def compact(iri: str) -> str:
    """An IRI as prefix:local when a trialkg prefix covers it, else <iri>."""
    for ns, prefix in _NAMESPACES:
        if iri.startswith(ns) and _LOCAL_RE.match(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def cell(term: object) -> str:
    """A term as people read it: compact IRIs, literal values without quotes or datatype."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return " ".join(term.value.split())  # one line per row
    return str(term)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain table with every value whole, columns two spaces apart (for pipes and files).

    >>> print(text_table(["trial", "status"], [["ctid:NCT00122473", "COMPLETED"]]))
    trial             status
    ----------------  ---------
    ctid:NCT00122473  COMPLETED
    """
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def _longest_word(texts: Sequence[str]) -> int:
    return max((len(w) for t in texts for w in t.split()), default=1)


_NO_WRAP = 24  # values up to this long are kept on one line in a terminal


def terminal_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                   width: int | None = None) -> str:
    """The same plain table fitted to a terminal: long cells wrap onto more lines (rich),
    nothing is cut.

    >>> print(terminal_table(["trial", "results"],
    ...                      [["EORTC-62027", "Shrank 5/14, Stable 6/14, Grew 3/14"]], width=36))
    trial        results
    -----------  ---------------------
    EORTC-62027  Shrank 5/14, Stable
                 6/14, Grew 3/14
    """
    import io

    from rich.console import Console
    from rich.table import Table

    total = width or shutil.get_terminal_size((120, 24)).columns
    longest = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    # short values (ids, codes, numbers) stay on one line; long text wraps at spaces and is
    # never narrower than its longest word (up to 20 characters, longer words are folded)
    narrowest = [n if n <= _NO_WRAP else min(_longest_word([h, *(r[i] for r in rows)]), 20)
                 for i, (h, n) in enumerate(zip(header, longest, strict=True))]
    widths = list(longest)
    budget = total - 2 * len(header)  # rich pads every column, the last one too
    while sum(widths) > budget:
        wide = max(range(len(widths)), key=lambda i: widths[i] - narrowest[i])
        if widths[wide] <= narrowest[wide]:  # cannot fit: whole lines, as when piped
            return text_table(header, rows)
        widths[wide] -= 1
    table = Table(*header, box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0),
                  header_style="", collapse_padding=True)
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
        column.overflow = "fold"
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    console = Console(file=buffer, width=total, color_system=None, highlight=False,
                      emoji=False, markup=False, legacy_windows=False)
    console.print(table)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    if not lines:
        return ""
    # rich draws no rule under a box-less header: the dashes of text_table, column widths
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([lines[0], rule, *lines[1:]])


def table_for(out: object, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """:func:`terminal_table` when ``out`` is a terminal, else :func:`text_table`."""
    isatty = getattr(out, "isatty", None)
    if callable(isatty) and isatty():
        return terminal_table(header, rows)
    return text_table(header, rows)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` escaped, nothing truncated).

    >>> print(markdown_table(["a", "b"], [["x|y", ""]]))
    | a | b |
    | --- | --- |
    | x\\|y |  |
    """
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)])


def format_for_output(fmt: str | None, output: Path | None, result: Result) -> str:
    """The output format: --format if given, else from -o's extension, else the default.

    :raises QueryError: when the format does not fit the result (a table of triples).
    """
    graph = not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean))
    if fmt is None and output is not None:
        if graph:
            info = format_for_path(output)
            fmt = info.name if info else None
        else:
            fmt = _RESULT_EXTENSIONS.get(output.suffix.lstrip(".").lower())
        if fmt is None:
            raise QueryError(f"cannot tell the format from {output.name!r}: give --format")
    if fmt is None:
        return DEFAULT_FORMAT if graph else "table"
    if graph and fmt not in FORMATS:
        raise QueryError(f"this query gives RDF triples: use an RDF format "
                         f"({', '.join(FORMATS)}), not {fmt!r}")
    if not graph and fmt not in RESULT_FORMATS:
        raise QueryError(f"this query gives a table of results: use one of "
                         f"{', '.join(RESULT_FORMATS)}, not {fmt!r}")
    return fmt


def write_result(result: Result, fmt: str, out: BinaryIO) -> int | None:
    """Write a result; returns the number of rows of a table (None for other formats).

    :raises QueryError: when evaluating the query fails while its results are read.
    """
    try:
        if not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            info = FORMATS[fmt]
            prefixes = PREFIXES if info.name in ("turtle", "trig", "rdfxml", "jsonld") else None
            ox.serialize(result, out, info.rdf_format, prefixes=prefixes)
            return None
        results_format = RESULT_FORMATS[fmt]
        if results_format is not None:
            result.serialize(out, results_format)
            return None
        if isinstance(result, ox.QueryBoolean):
            out.write(b"true\n" if bool(result) else b"false\n")
            return None
        header = [v.value for v in result.variables]
        rows = [[cell(v) for v in row] for row in result]
        text = markdown_table(header, rows) if fmt == "md" else table_for(out, header, rows)
        out.write(text.encode("utf-8") + b"\n")
        return len(rows)
    except (OSError, RuntimeError, ValueError) as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise QueryError(f"the query failed: {exc}") from None
