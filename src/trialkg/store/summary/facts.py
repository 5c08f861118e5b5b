"""What one trial contributes to the summary counts, from its triples; and adding counts up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from trialkg.iris import RDF, TKG
from trialkg.store.core import StoreCore
from trialkg.store.summary.kinds import (
    _BY_NAME,
    _TYPE,
    Counts,
    Row,
    _Kind,
)

__all__ = [
    "TrialFacts",
    "contribution",
    "merge_counts",
    "stored_facts",
    "trial_facts",
]

# --- what one trial contributes ------------------------------------------------------------

_TRIAL_PREDICATES = {TKG + p: p for p in (
    "phase", "overallStatus", "enrollment", "site", "interventionMesh", "conditionMesh",
    "meshLink", "leadSponsor", "collaborator")}
_NODE_PREDICATES = {TKG + "country": "country", TKG + "mesh": "mesh", TKG + "meshLabel": "label"}
_CLINICAL_TRIAL = TKG + "ClinicalTrial"
#: every predicate :func:`trial_facts` reads
_WANTED = frozenset(ox.NamedNode(iri) for iri in (*_TRIAL_PREDICATES, *_NODE_PREDICATES,
                                                   RDF + "type"))
#: what :func:`stored_facts` reads of the nodes a trial links to: its sites and MeSH links
_NODE_LOOKUPS = (("site", (TKG + "country",)), ("meshLink", (TKG + "mesh", TKG + "meshLabel")))


@dataclass
class TrialFacts:
    """What the summary reads of one trial: each list a bag (a triple once per graph)."""

    typed: bool = False
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: site or MeSH link node → its country / mesh / label values
    nodes: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))


def trial_facts(trial: str, triples: Iterable[tuple[ox.NamedNode | ox.BlankNode,
                                                     ox.NamedNode,
                                                     ox.NamedNode | ox.Literal | ox.BlankNode]]
                ) -> TrialFacts:
    """The facts of ``trial`` among one record's triples (as the mapping emits them)."""
    facts = TrialFacts()
    # Only the few predicates counted are read: they are picked out first (a hash of the
    # predicate each), then made a set (a graph holds each triple once).
    wanted = _WANTED
    for s, p, o in {t for t in triples if t[1] in wanted}:
        pv = p.value
        if s.value == trial:
            if pv == RDF + "type":
                facts.typed = facts.typed or o.value == _CLINICAL_TRIAL
            elif pv in _TRIAL_PREDICATES:
                facts.values[_TRIAL_PREDICATES[pv]].append(str(o.value))
        elif pv in _NODE_PREDICATES:
            facts.nodes[s.value][_NODE_PREDICATES[pv]].append(str(o.value))
    return facts


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else str(term.value)


def stored_facts(store: StoreCore, trial: str) -> TrialFacts:
    """The facts of ``trial`` across every graph of the store (index lookups only)."""
    st, node = store.store, ox.NamedNode(trial)
    facts = TrialFacts()
    facts.typed = any(True for _ in st.quads_for_pattern(
        node, _TYPE, ox.NamedNode(_CLINICAL_TRIAL), None))
    for iri, name in _TRIAL_PREDICATES.items():
        for q in st.quads_for_pattern(node, ox.NamedNode(iri), None, None):
            facts.values[name].append(_text(q.object))
    for name, preds in _NODE_LOOKUPS:
        for other in set(facts.values.get(name, ())):
            for iri in preds:
                for q in st.quads_for_pattern(ox.NamedNode(other), ox.NamedNode(iri), None,
                                              None):
                    facts.nodes[other][_NODE_PREDICATES[iri]].append(_text(q.object))
    return facts


def contribution(facts: TrialFacts) -> Counts:
    """What one trial adds to each kind of count (what the full recount's queries give for
    this trial alone)."""
    out: Counts = {}
    v = facts.values
    statuses = v.get("overallStatus", [])
    if facts.typed and statuses:
        # an unknown phase is kept as text (trialkg.model.enumerations): counted under its text
        codes = [p.split("#phase_", 1)[1] if "#phase_" in p else p for p in v.get("phase", [])]
        lo, hi = (min(codes), max(codes)) if codes else (None, None)
        phase = "NONE" if lo is None else lo if lo == hi else f"{lo}/{hi}"
        ns: list[int | None] = [int(n) for n in v.get("enrollment", [])] or [None]
        rows: dict[tuple[str, ...], Row] = {}
        for status in statuses:
            row = rows.setdefault((phase, status), _zero(_BY_NAME["phase-status"]))
            for n in ns:
                _add_row(row, {"trials": 1, "enrolled": 0 if n is None else 1,
                               "total": n or 0, "smallest": n, "largest": n},
                         _BY_NAME["phase-status"])
        out["phase-status"] = rows
    by_country: dict[str, set[str]] = defaultdict(set)
    for site in set(v.get("site", [])):
        for country in facts.nodes.get(site, {}).get("country", []):
            by_country[country].add(site)
    if by_country:
        out["country"] = {(c,): {"sites": len(s), "trials": 1} for c, s in by_country.items()}
    drugs, conditions = set(v.get("interventionMesh", [])), set(v.get("conditionMesh", []))
    if drugs and conditions:
        labels: dict[str, str] = {}
        for link in set(v.get("meshLink", [])):
            node = facts.nodes.get(link, {})
            for mesh in node.get("mesh", []):
                for label in node.get("label", []):
                    labels[mesh] = min(labels.get(mesh, label), label)
        out["drug-condition"] = {
            (d, c): {"trials": 1, "drugLabel": labels.get(d), "conditionLabel": labels.get(c)}
            for d in drugs for c in conditions}
    leads, collaborators = set(v.get("leadSponsor", [])), set(v.get("collaborator", []))
    if leads and collaborators:
        out["collaboration"] = {(lead, c): {"trials": 1} for lead in leads
                                for c in collaborators}
    return out


def _zero(kind: _Kind) -> Row:
    row: Row = dict.fromkeys(kind.sums, 0)
    row.update(dict.fromkeys(kind.mins + kind.maxs))
    return row


def _pick(a: int | str | None, b: int | str | None, smallest: bool) -> int | str | None:
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, int) and isinstance(b, int):
        return min(a, b) if smallest else max(a, b)
    return min(str(a), str(b)) if smallest else max(str(a), str(b))


def _add_row(row: Row, other: Row, kind: _Kind) -> None:
    for c in kind.sums:
        row[c] = int(row[c] or 0) + int(other.get(c) or 0)
    for c in kind.mins:
        row[c] = _pick(row[c], other.get(c), True)
    for c in kind.maxs:
        row[c] = _pick(row[c], other.get(c), False)


def merge_counts(into: Counts, more: Counts) -> None:
    """Add ``more`` into ``into`` (the counts of more trials)."""
    for name, rows in more.items():
        kind, mine = _BY_NAME[name], into.setdefault(name, {})
        for key, row in rows.items():
            _add_row(mine.setdefault(key, _zero(kind)), row, kind)


# --- the counts in the store ---------------------------------------------------------------
