"""Query parameters: declared types, parsing of user values into typed RDF terms.

A value given by a user never becomes query text: each type turns it into a pyoxigraph term
(an IRI checked by pyoxigraph, a literal with its datatype) or raises
:class:`~trialkg.exceptions.ParameterError` naming the parameter and what was expected.

>>> PARAM_TYPES["phase"].parse("phase", "phase 2", None)
[<NamedNode value=https://w3id.org/trialkg/vocab#phase_PHASE2>]
>>> PARAM_TYPES["nct"].parse("trial", "nct00122473", None)
[<NamedNode value=https://identifiers.org/clinicaltrials:NCT00122473>]
>>> PARAM_TYPES["integer"].parse("limit", "ten", None)
Traceback (most recent call last):
...
trialkg.exceptions.ParameterError: parameter 'limit': expected an integer, got 'ten'
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph as ox

from trialkg.exceptions import MeshError, ParameterError, QueryError
from trialkg.iris import MESH, TKG, XSD, is_nct_id, normalise_mesh_id, trial_iri

__all__ = [
    "MAX_TEXT_MATCHES",
    "NO_MATCH",
    "PARAM_TYPES",
    "MeshResolver",
    "Param",
    "ParamType",
    "Parameterised",
    "TextSearcher",
    "bind",
    "parse_assignments",
    "phase_code",
    "status_code",
]

#: Resolves a MeSH name to descriptor UIs (empty when nothing matches), given the kind of
#: link the parameter takes (``condition``, ``intervention``; None: any), as the linker has them.
MeshResolver = Callable[[str, str | None], Sequence[str]]
#: Runs a full-text search (text, fields) on the store's index: the matching trials' IRIs.
TextSearcher = Callable[[str, Sequence[str]], Sequence[str]]
#: What a ``text`` parameter binds when no trial matches: an IRI nothing has, so no row.
NO_MATCH = "urn:trialkg:search:no-match"


class Parameterised(Protocol):
    """What :func:`bind` reads of a query: its name and declared parameters
    (a :class:`~trialkg.queries.library.StoredQuery`)."""

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> tuple[Param, ...]: ...

_MAX_TEXT = 1000  # longer values are almost certainly a mistake (or an attack)


@dataclass(frozen=True)
class Param:
    """One declared parameter of a stored query (``?name`` in the SPARQL)."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    default: str | None = None
    values: tuple[str, ...] = ()  # the choices of an ``enum``
    #: a ``text`` parameter: the variable its matching trials bind, and the fields searched
    binds: str = "trial"
    fields: tuple[str, ...] = ()
    kind: str | None = None  # of a ``mesh`` parameter: condition or intervention (linker kinds)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "description": self.description,
        }
        if self.values:
            out["values"] = list(self.values)
        if self.type == "text":
            out["binds"] = self.binds
            out["fields"] = list(self.fields)
        if self.kind:
            out["kind"] = self.kind
        return out


def _fail(name: str, expected: str, value: str) -> ParameterError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return ParameterError(f"parameter {name!r}: expected {expected}, got {shown!r}")


@dataclass(frozen=True)
class ParamType:
    """A parameter type: its name, what it expects (for messages) and its parser."""

    name: str
    expected: str
    parser: Callable[[str, str, Param | None, MeshResolver | None], list[ox.NamedNode | ox.Literal]]
    help: str = field(default="")

    def parse(
        self, name: str, value: str, param: Param | None, resolver: MeshResolver | None = None
    ) -> list[ox.NamedNode | ox.Literal]:
        """Typed terms for one user value (a MeSH name may give several descriptors).

        :raises ParameterError: when the value is not of this type.
        """
        if len(value) > _MAX_TEXT:
            raise _fail(name, f"{self.expected} (at most {_MAX_TEXT} characters)", value)
        return self.parser(name, value, param, resolver)


def _iri(name: str, value: str, _p: Param | None, _r: MeshResolver | None
         ) -> list[ox.NamedNode | ox.Literal]:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    from trialkg.iris import PREFIXES

    if sep and prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        raise _fail(name, "an absolute IRI (or prefix:name with a known prefix)", value)
    try:
        return [ox.NamedNode(text)]
    except ValueError:
        raise _fail(name, "a valid IRI", value) from None


def _nct(name: str, value: str, _p: Param | None, _r: MeshResolver | None
         ) -> list[ox.NamedNode | ox.Literal]:
    other = trial_iri("X")[:-1]  # a trial known by another registry's id (EORTC-62027)
    if value.strip().startswith(other) and len(value.strip()) > len(other):
        try:
            return [ox.NamedNode(value.strip())]
        except ValueError:
            raise _fail(name, "a trial IRI", value) from None
    text = value.strip().upper()
    if text.startswith(trial_iri("NCT00000000")[:-11].upper()):
        text = text.rsplit(":", 1)[-1]
    if not is_nct_id(text):
        raise _fail(name, f"an NCT id (NCT and eight digits) or a trial IRI ({other}…)", value)
    return [ox.NamedNode(trial_iri(text))]


def _mesh(name: str, value: str, _p: Param | None, resolver: MeshResolver | None
          ) -> list[ox.NamedNode | ox.Literal]:
    text = value.strip()
    try:
        return [ox.NamedNode(MESH + normalise_mesh_id(text))]
    except MeshError:
        pass
    if not text or resolver is None:
        raise _fail(name, "a MeSH id such as D003924 (names cannot be resolved here)", value)
    uis = list(dict.fromkeys(resolver(text, _p.kind if _p is not None else None)))
    if not uis:
        raise _fail(name, "a MeSH id, or a MeSH descriptor's name or synonym", value)
    return [ox.NamedNode(MESH + normalise_mesh_id(ui)) for ui in uis]


def _string(name: str, value: str, _p: Param | None, _r: MeshResolver | None
            ) -> list[ox.NamedNode | ox.Literal]:
    return [ox.Literal(value)]


def _text(name: str, value: str, param: Param | None, _r: MeshResolver | None
          ) -> list[ox.NamedNode | ox.Literal]:
    """The search text itself, checked: :func:`trialkg.queries.run.bind` runs it on the
    index and binds the matching trials instead."""
    from trialkg.exceptions import SearchError
    from trialkg.store.search.syntax import to_fts

    try:
        to_fts(value, param.fields if param is not None else ())
    except SearchError as exc:
        raise ParameterError(f"parameter {name!r}: {exc}") from None
    return [ox.Literal(value)]


def _integer(name: str, value: str, _p: Param | None, _r: MeshResolver | None
             ) -> list[ox.NamedNode | ox.Literal]:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        raise _fail(name, "an integer", value)
    return [ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))]


def _date(name: str, value: str, _p: Param | None, _r: MeshResolver | None
          ) -> list[ox.NamedNode | ox.Literal]:
    text = value.strip()
    try:
        day = _dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise _fail(name, "a date YYYY-MM-DD", value)
    return [ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))]


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def _boolean(name: str, value: str, _p: Param | None, _r: MeshResolver | None
             ) -> list[ox.NamedNode | ox.Literal]:
    text = value.strip().lower()
    if text not in _TRUE | _FALSE:
        raise _fail(name, "true or false (yes/no, 1/0)", value)
    return [ox.Literal(text in _TRUE)]


_PHASES = {"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"}
_STATUSES = {
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
}


def phase_code(value: str) -> str | None:
    """The API v2 phase code for a friendly spelling, or None.

    >>> [phase_code(v) for v in ("2", "Phase 2", "phase-1", "PHASE3", "early 1", "n/a", "7")]
    ['PHASE2', 'PHASE2', 'PHASE1', 'PHASE3', 'EARLY_PHASE1', 'NA', None]
    """
    text = re.sub(r"[\s_/-]+", "", value.strip().upper())
    if text in {"NA", "NOTAPPLICABLE"}:
        return "NA"
    m = re.fullmatch(r"(EARLY)?(?:PHASE)?([1-4]|I{1,3}|IV)", text)
    if not m:
        return None
    number = {"I": "1", "II": "2", "III": "3", "IV": "4"}.get(m.group(2), m.group(2))
    if m.group(1):
        return "EARLY_PHASE1" if number == "1" else None
    return f"PHASE{number}"


def status_code(value: str) -> str | None:
    """The API v2 overall-status code for a friendly spelling, or None.

    >>> [status_code(v) for v in ("completed", "Active, not recruiting", "not yet recruiting")]
    ['COMPLETED', 'ACTIVE_NOT_RECRUITING', 'NOT_YET_RECRUITING']
    """
    text = re.sub(r"[^A-Z]+", "_", value.strip().upper()).strip("_")
    return text if text in _STATUSES else None


def _controlled(prefix: str, to_code: Callable[[str], str | None], choices: set[str]
                ) -> Callable[[str, str, Param | None, MeshResolver | None],
                              list[ox.NamedNode | ox.Literal]]:
    def parse(name: str, value: str, _p: Param | None, _r: MeshResolver | None
              ) -> list[ox.NamedNode | ox.Literal]:
        found = to_code(value)
        if found is None:
            raise _fail(name, "one of " + ", ".join(sorted(choices)), value)
        return [ox.NamedNode(f"{TKG}{prefix}_{found}")]

    return parse


def _enum(name: str, value: str, param: Param | None, _r: MeshResolver | None
          ) -> list[ox.NamedNode | ox.Literal]:
    choices = param.values if param is not None else ()
    text = value.strip().lower()
    for choice in choices:
        if choice.lower() == text:
            return [ox.Literal(choice)]
    raise _fail(name, "one of " + ", ".join(choices), value)


PARAM_TYPES: dict[str, ParamType] = {
    t.name: t
    for t in (
        ParamType("iri", "an IRI", _iri, "an absolute IRI or prefix:name (tkg:, mesh:, ...)"),
        ParamType("nct", "an NCT id", _nct, "a ClinicalTrials.gov id, e.g. NCT00122473"),
        ParamType("mesh", "a MeSH id or name", _mesh,
                  "a MeSH UI (D003924, D000003924, mesh:D003924) or a descriptor's name"),
        ParamType("string", "text", _string, "any text"),
        ParamType("text", "a full-text search", _text,
                  'words, "a phrase", AND/OR/NOT, prefix*: the matching trials (search index)'),
        ParamType("integer", "an integer", _integer, "a whole number"),
        ParamType("date", "a date", _date, "YYYY-MM-DD"),
        ParamType("boolean", "true or false", _boolean, "true/false, yes/no, 1/0"),
        ParamType("phase", "a phase", _controlled("phase", phase_code, _PHASES),
                  "PHASE1..PHASE4, EARLY_PHASE1, NA; also '2', 'phase 2'"),
        ParamType("status", "an overall status", _controlled("status", status_code, _STATUSES),
                  "COMPLETED, RECRUITING, ...; any case, spaces allowed"),
        ParamType("enum", "one of the listed values", _enum, "one of the values listed"),
    )
}


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``key=value`` strings (``-p`` options) as a mapping; a key may appear once.

    >>> parse_assignments(["sponsor=Bayer", "q=a=b"])
    {'sponsor': 'Bayer', 'q': 'a=b'}

    :raises ParameterError: for an item without ``=`` or a repeated key.
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"parameter {item!r}: expected key=value")
        if key in out:
            raise ParameterError(f"parameter {key!r} given twice")
        out[key] = value
    return out


def check_names(params: Mapping[str, Param], given: Mapping[str, str], query: str) -> None:
    """Every given key names a declared parameter (with a suggestion when it does not)."""
    import difflib

    for key in given:
        if key not in params:
            close = difflib.get_close_matches(key, list(params), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(params) or "none"
            raise ParameterError(
                f"query {query!r} has no parameter {key!r}{hint}; its parameters: {known}"
            )


def bind(query: Parameterised, values: Mapping[str, str], *,
         resolver: MeshResolver | None = None, searcher: TextSearcher | None = None,
         ) -> dict[str, list[ox.NamedNode | ox.Literal]]:
    """Typed terms for every parameter: given values, else defaults; unbound ones map to [].

    A ``text`` parameter's value is searched with ``searcher`` (the store's full-text
    index): the matching trials bind its ``binds`` variable (an IRI nothing has when none
    match, so the query gives no row).

    :raises ParameterError: for an unknown parameter, a missing required one or a bad value.
    """
    declared = {p.name: p for p in query.params}
    check_names(declared, values, query.name)
    out: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            if p.required:
                raise ParameterError(
                    f"query {query.name!r} needs parameter {p.name!r} ({p.description}): "
                    f"give -p {p.name}=..."
                )
            out[p.binds if p.type == "text" else p.name] = []
            continue
        kind = PARAM_TYPES.get(p.type)
        if kind is None:
            raise QueryError(f"query {query.name!r}: parameter {p.name!r} has unknown type")
        terms = kind.parse(p.name, raw, p, resolver)
        if p.type == "text":
            out[p.binds] = _matching(p, raw, searcher)
        else:
            out[p.name] = terms
    return out


#: A text parameter binds at most this many trials (the best ranked).
MAX_TEXT_MATCHES = 10_000


def _matching(param: Param, text: str, searcher: TextSearcher | None
              ) -> list[ox.NamedNode | ox.Literal]:
    if searcher is None:
        raise ParameterError(
            f"parameter {param.name!r}: a text search runs on the local store's search "
            "index, not on a remote endpoint")
    iris = list(searcher(text, param.fields))[:MAX_TEXT_MATCHES] or [NO_MATCH]
    return [ox.NamedNode(iri) for iri in iris]
