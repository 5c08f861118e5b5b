"""The stored queries: one ``NAME.rq`` file each, loaded, listed, found and checked.

>>> lib = QueryLibrary.default()
>>> lib.get("trials-by-sponsor").params[0].name
'sponsor'
>>> lib.get("trials-by-sponsr")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
trialkg.exceptions.UnknownQueryError: no stored query 'trials-by-sponsr' (did you mean ...
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialkg.exceptions import ParameterError, QueryError, UnknownQueryError
from trialkg.iris import PREFIXES
from trialkg.queries.header import HEADER_KEYS, REQUIRED_KEYS, split_header
from trialkg.queries.params import PARAM_TYPES, Param

__all__ = ["QueryLibrary", "StoredQuery", "load_query"]

_PREFIX_RE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I | re.M)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class StoredQuery:
    """One stored query: its header, parameters and SPARQL text."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    example: str
    sparql: str  # the query text after the header (prefixes included)
    path: Path | None = None
    header: Mapping[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def summary_dict(self) -> dict[str, Any]:
        """Name, summary, tags, parameters and example: what `query list --format json`
        prints."""
        return {
            "name": self.name,
            "summary": self.summary,
            "tags": list(self.tags),
            "params": [p.as_dict() for p in self.params],
            "example": self.example,
        }

    def example_values(self) -> dict[str, str]:
        """The parameter values of the header's example (``-p KEY=VALUE``)."""
        try:
            argv = shlex.split(self.example)
        except ValueError:
            return {}
        pairs = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word in ("-p", "--param")]
        return pairs_to_dict([p for p in pairs if "=" in p])

    def problems(self) -> list[str]:
        """Everything wrong with this query's header and prefixes (empty when it is fine)."""
        return _problems(self)


def _as_param(raw: object, where: str) -> Param:
    if not isinstance(raw, dict):
        raise QueryError(f"{where}: each parameter must be a mapping with name and type")
    unknown = set(raw) - {"name", "type", "description", "required", "default", "values",
                          "binds", "fields", "kind"}
    if unknown:
        raise QueryError(f"{where}: unknown parameter keys {sorted(unknown)}")
    if raw.get("kind") not in (None, "condition", "intervention"):
        raise QueryError(f"{where}: kind must be condition or intervention (linker kinds)")
    default = raw.get("default")
    if isinstance(default, bool):
        default = "true" if default else "false"
    return Param(
        name=str(raw.get("name", "")),
        type=str(raw.get("type", "")),
        description=str(raw.get("description", "")).strip(),
        required=bool(raw.get("required", False)),
        default=None if default is None else str(default),
        values=tuple(str(v) for v in raw.get("values", ()) or ()),
        binds=str(raw.get("binds", "trial")),
        fields=tuple(str(f) for f in raw.get("fields", ()) or ()),
        kind=None if raw.get("kind") is None else str(raw.get("kind")),
    )


def load_query(path: Path) -> StoredQuery:
    """A stored query from its file; the name is the file's stem.

    :raises QueryError: when the header cannot be read (see :meth:`StoredQuery.problems`
        for the full check).
    """
    try:
        meta, body = split_header(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise QueryError(f"{path.name}: {exc}") from None
    raw_params = meta.get("params") or []
    if not isinstance(raw_params, list):
        raise QueryError(f"{path.name}: params must be a list")
    tags = meta.get("tags") or []
    return StoredQuery(
        name=path.stem,
        summary=str(meta.get("summary", "")).strip(),
        description=str(meta.get("description", "")).strip(),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        params=tuple(_as_param(p, f"{path.name} params") for p in raw_params),
        example=str(meta.get("example", "")).strip(),
        sparql=body,
        path=path,
        header=meta,
    )


def _problems(q: StoredQuery) -> list[str]:
    out = [f"missing header key {k!r}" for k in REQUIRED_KEYS if not q.header.get(k)]
    out += [f"unknown header key {k!r}" for k in q.header if k not in HEADER_KEYS]
    if not _NAME_RE.match(q.name):
        out.append(f"file name {q.name!r}: use lower-case words joined by '-'")
    seen: set[str] = set()
    for p in q.params:
        where = f"param {p.name!r}"
        if not _VAR_RE.match(p.name):
            out.append(f"{where}: not a SPARQL variable name")
        if p.name in seen:
            out.append(f"{where}: declared twice")
        seen.add(p.name)
        if p.type not in PARAM_TYPES:
            out.append(f"{where}: unknown type {p.type!r} (known: {', '.join(PARAM_TYPES)})")
            continue
        if p.type == "enum" and not p.values:
            out.append(f"{where}: an enum needs values")
        if not p.description:
            out.append(f"{where}: no description")
        if p.required and p.default is not None:
            out.append(f"{where}: required parameters take no default")
        if p.default is not None:
            try:
                PARAM_TYPES[p.type].parse(p.name, p.default, p)
            except ParameterError as exc:
                out.append(f"{where}: bad default: {exc}")
        var = p.binds if p.type == "text" else p.name
        if not re.search(rf"[?$]{re.escape(var)}\b", q.sparql):
            out.append(f"{where}: ?{var} does not occur in the query")
        if p.type == "text":
            from trialkg.store.search.syntax import FIELDS

            out += [f"{where}: unknown search field {f!r}" for f in p.fields if f not in FIELDS]
    for prefix, iri in _PREFIX_RE.findall(q.sparql):
        if prefix not in PREFIXES:
            out.append(f"prefix {prefix}: is not one of trialkg.iris.PREFIXES")
        elif PREFIXES[prefix] != iri:
            out.append(f"prefix {prefix}: <{iri}> differs from PREFIXES ({PREFIXES[prefix]})")
    out += _chart_problems(q)
    out += _example_problems(q)
    return out


def _chart_problems(q: StoredQuery) -> list[str]:
    """A chart must be a mapping whose encodings name variables of the query."""
    chart = q.header.get("chart")
    if chart is None:
        return []
    if not isinstance(chart, dict):
        return ["chart: must be a mapping (a Vega-Lite view without data)"]
    from trialkg.queries.charts import derived_fields, encoded_fields

    return [f"chart: encodes {name!r}, which is not a variable of the query"
            for name in sorted(encoded_fields(chart) - derived_fields(chart))
            if not re.search(rf"[?$]{re.escape(name)}\b", q.sparql)]


def _example_problems(q: StoredQuery) -> list[str]:
    try:
        argv = shlex.split(q.example)
    except ValueError as exc:
        return [f"example: {exc}"]
    if argv[:4] != ["trialkg", "query", "run", q.name]:
        return [f"example must start with `trialkg query run {q.name}`"]
    pairs: list[str] = []
    rest = argv[4:]
    while rest:
        opt = rest.pop(0)
        if opt in ("-p", "--param") and rest:
            pairs.append(rest.pop(0))
        elif opt in ("--format", "-o", "--output", "--store") and rest:
            rest.pop(0)
        else:
            return [f"example: unexpected {opt!r}"]
    from trialkg.queries.params import bind

    try:
        bind(q, pairs_to_dict(pairs), resolver=lambda name, kind: ["D000001"],
             searcher=lambda text, fields: [])
    except (ParameterError, QueryError) as exc:
        return [f"example: {exc}"]
    return []


def pairs_to_dict(pairs: list[str]) -> dict[str, str]:
    from trialkg.queries.params import parse_assignments

    return parse_assignments(pairs)


class QueryLibrary:
    """The queries of one folder, by name."""

    def __init__(self, queries: Mapping[str, StoredQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def from_dir(cls, folder: Path) -> QueryLibrary:
        return cls({p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))})

    @classmethod
    def default(cls) -> QueryLibrary:
        """The queries shipped with trialkg."""
        from trialkg.resources import queries_dir

        return cls.from_dir(queries_dir())

    def __iter__(self) -> Iterator[StoredQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> StoredQuery:
        """The query called ``name``.

        :raises UnknownQueryError: with the nearest names as a suggestion.
        """
        key = name.removesuffix(".rq")
        if key in self._queries:
            return self._queries[key]
        close = difflib.get_close_matches(key, self.names(), n=3, cutoff=0.5)
        hint = (" (did you mean " + " or ".join(repr(c) for c in close) + "?)") if close else ""
        raise UnknownQueryError(f"no stored query {name!r}{hint}; see `trialkg query list`")
