"""The counts in the store: observations written and read, and the full recount."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from trialkg.iris import TKG, XSD, id_iri
from trialkg.store.core import SUMMARY_GRAPH, StoreCore
from trialkg.store.summary.facts import (
    _zero,
)
from trialkg.store.summary.kinds import (
    _FORMAT,
    _FORMAT_NOW,
    _G,
    _INTEGER,
    _KINDS,
    _LABEL,
    _TYPE,
    QB,
    Counts,
    Row,
    _Kind,
)

__all__ = [
    "full_counts",
    "refresh_summary",
    "stored_counts",
    "summary_quads",
]

def _key_text(value: str, is_iri: bool) -> str:
    if is_iri:
        return value.rsplit("/", 1)[-1].rsplit("#status_", 1)[-1]
    return value


def _observation(kind: _Kind, key: tuple[str, ...]) -> ox.NamedNode:
    texts = [_key_text(v, iri) for v, (_, iri) in zip(key, kind.keys, strict=True)]
    if kind.name == "collaboration":  # two organisations: a digest keeps it short
        texts = [hashlib.sha256("\t".join(texts).encode()).hexdigest()[:20]]
    return ox.NamedNode(id_iri("summary", kind.name, *texts))


def _dataset(kind: _Kind) -> ox.NamedNode:
    return ox.NamedNode(id_iri("summary", kind.name))


def _observation_quads(kind: _Kind, key: tuple[str, ...], row: Row) -> list[ox.Quad]:
    node = _observation(kind, key)
    quads = [ox.Quad(node, _TYPE, ox.NamedNode(QB + "Observation"), _G),
             ox.Quad(node, _TYPE, ox.NamedNode(TKG + kind.cls), _G),
             ox.Quad(node, ox.NamedNode(QB + "dataSet"), _dataset(kind), _G)]
    for (column, iri), value in zip(kind.keys, key, strict=True):
        # an unknown status is kept as text (trialkg.model.enumerations), not as an IRI
        term: ox.NamedNode | ox.Literal = (ox.NamedNode(value) if iri and "://" in value
                                           else ox.Literal(value))
        quads.append(ox.Quad(node, ox.NamedNode(TKG + kind.props[column]), term, _G))
    enrolled = row.get("enrolled")
    for column in kind.sums + kind.mins + kind.maxs:
        measure = row.get(column)
        if measure is None or (enrolled == 0 and column in ("total", "smallest", "largest")):
            continue
        literal = (ox.Literal(str(measure), datatype=_INTEGER) if isinstance(measure, int)
                   else ox.Literal(measure))
        quads.append(ox.Quad(node, ox.NamedNode(TKG + kind.props[column]), literal, _G))
    return quads


def _head_quads() -> list[ox.Quad]:
    quads = [
        ox.Quad(_G, _TYPE, ox.NamedNode(TKG + "SummaryGraph"), _G),
        ox.Quad(_G, _LABEL, ox.Literal("Counts over the studies in this store, kept by trialkg "
                                       "at every write"), _G),
        ox.Quad(_G, _FORMAT, _FORMAT_NOW, _G),
    ]
    for kind in _KINDS:
        quads += [ox.Quad(_dataset(kind), _TYPE, ox.NamedNode(QB + "DataSet"), _G),
                  ox.Quad(_dataset(kind), _LABEL, ox.Literal(f"trialkg summary: {kind.name}"),
                          _G)]
    return quads


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple | None,
           ) -> int | str | None:
    if term is None or isinstance(term, ox.Triple):
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(XSD) and \
            term.datatype.value[len(XSD):] in ("integer", "int", "long", "nonNegativeInteger"):
        return int(term.value)
    return str(term.value)


def _recount(store: StoreCore, kind: _Kind, query: str | None = None
             ) -> dict[tuple[str, ...], Row]:
    if query is None and kind.each is not None:
        names = store.store.query(kind.each, use_default_graph_as_union=True)
        assert isinstance(names, ox.QuerySolutions)
        out: dict[tuple[str, ...], Row] = {}
        for (value,) in list(names):
            if value is not None and not isinstance(value, ox.Triple):
                out.update(_rows(kind, store.store.query(
                    kind.query, use_default_graph_as_union=True,
                    substitutions={ox.Variable(kind.keys[0][0]): value})))
        return out
    return _rows(kind, store.store.query(query or kind.query, use_default_graph_as_union=True))


def _rows(kind: _Kind, rows: object) -> dict[tuple[str, ...], Row]:
    assert isinstance(rows, ox.QuerySolutions)
    names = [v.value for v in rows.variables]
    out: dict[tuple[str, ...], Row] = {}
    for solution in rows:
        values = dict(zip(names, solution, strict=True))
        key = tuple(_value(values.get(c)) for c, _ in kind.keys)
        if any(k is None for k in key):
            continue
        row = _zero(kind)
        row.update({c: _value(values.get(c)) for c in kind.mins + kind.maxs})
        row.update({c: _value(values.get(c)) or 0 for c in kind.sums})  # SUM of none: 0
        out[tuple(str(k) for k in key)] = row
    return out


def full_counts(store: StoreCore) -> Counts:
    """Every count, recomputed from the studies now in ``store``."""
    counts = {kind.name: _recount(store, kind) for kind in _KINDS}
    _Labelled(store).strip(counts.get("drug-condition", {}))
    return counts


class _Labelled:
    """Which MeSH descriptors the store labels (its MeSH graph, kept up to date by each
    write before the summary). The drug-condition query shows those labels, so the registry's
    label of a pair is kept only for a descriptor without one: the label is then rarely
    needed, and removing a trial rarely leaves a pair whose label must be recounted."""

    def __init__(self, store: StoreCore) -> None:
        self.store = store
        self._known: dict[str, bool] = {}

    def __call__(self, iri: str) -> bool:
        if iri not in self._known:
            self._known[iri] = any(True for _ in self.store.store.quads_for_pattern(
                ox.NamedNode(iri), _LABEL, None, None))
        return self._known[iri]

    def strip(self, rows: dict[tuple[str, ...], Row]) -> None:
        """Drop the registry labels the MeSH graph makes needless (drug-condition rows)."""
        for (drug, condition), row in rows.items():
            if self(drug):
                row["drugLabel"] = None
            if self(condition):
                row["conditionLabel"] = None


def summary_quads(store: StoreCore, counts: Counts | None = None) -> list[ox.Quad]:
    """The summary of the studies now in ``store`` (fresh: without the stale mark)."""
    counts = full_counts(store) if counts is None else counts
    quads = _head_quads()
    for kind in _KINDS:
        for key, row in sorted(counts.get(kind.name, {}).items()):
            quads += _observation_quads(kind, key, row)
    return quads


def refresh_summary(store: StoreCore) -> int:
    """Recount the summary over every study and swap it in (one atomic update); returns its
    triples."""
    return store.replace_graph(SUMMARY_GRAPH, summary_quads(store))


def stored_counts(store: StoreCore) -> Counts:
    """The counts as the summary graph holds them."""
    counts: Counts = {}
    for kind in _KINDS:
        rows = counts.setdefault(kind.name, {})
        cls = ox.NamedNode(TKG + kind.cls)
        for q in store.store.quads_for_pattern(None, _TYPE, cls, _G):
            if isinstance(q.subject, ox.Triple):
                continue
            row = _stored_row(store, kind, q.subject)
            if row is not None:
                rows[row[0]] = row[1]
    return counts


def _stored_row(store: StoreCore, kind: _Kind, node: ox.NamedNode | ox.BlankNode
                ) -> tuple[tuple[str, ...], Row] | None:
    by_prop = {TKG + p: c for c, p in kind.props.items()}
    found: dict[str, int | str | None] = {}
    for q in store.store.quads_for_pattern(node, None, None, _G):
        column = by_prop.get(q.predicate.value)
        if column is not None:
            found[column] = _value(q.object)
    key = tuple(found.get(c) for c, _ in kind.keys)
    if not found or any(k is None for k in key):
        return None
    row = _zero(kind)
    row.update({c: found[c] for c in kind.sums + kind.mins + kind.maxs if c in found})
    return tuple(str(k) for k in key), row
