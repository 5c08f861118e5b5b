"""Counts over every study, kept in the store's ``summary`` graph at each write.

Whole-graph aggregations (trials per phase and status, enrollment per phase, sites per
country, drug and condition pairs, sponsor and collaborator pairs) read every trial, so their
cost grows with the store. The store keeps them instead, as W3C Data Cube observations
(``qb:Observation``) in ``…/graph/summary``; the stored queries tagged ``summary`` read these
few hundred triples instead of the studies.

Every count is a sum over trials of what each trial contributes (and the enrollment's
smallest and largest, and the registry's MeSH labels, a minimum or maximum over trials), so
a write keeps them up to date from the trials it touches alone (:class:`SummaryTally`): the
mapping says what a new study contributes, the store what a replaced or removed one did, and
only the observations those trials touch are rewritten. A minimum or maximum that a removed
trial held is recounted for its group. A full recount (:func:`refresh_summary`, one SPARQL
query per kind of count over every study) is what ``build`` does, and what a write does when
the counts were not fresh before it.

The summary is changed in one atomic update. A write first marks it stale
(``tkg:summaryStale true``) and the update clears the mark, so after a write that was cut off
(``kill -9``, a crash) readers can tell that the counts predate the studies: ``trialkg query
run`` says so on stderr, and the next ``trialkg ingest`` recounts them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from trialkg.iris import RDF, RDFS, TKG, XSD, id_iri
from trialkg.store.core import SUMMARY_GRAPH, StoreCore

__all__ = [
    "QB",
    "SUMMARY_GRAPH",
    "Counts",
    "SummaryState",
    "SummaryTally",
    "TrialFacts",
    "clear_stale",
    "contribution",
    "full_counts",
    "mark_stale",
    "merge_counts",
    "refresh_summary",
    "stored_counts",
    "stored_facts",
    "summary_quads",
    "summary_state",
    "trial_facts",
]


QB = "http://purl.org/linked-data/cube#"

_G = ox.NamedNode(SUMMARY_GRAPH)
_STALE = ox.NamedNode(TKG + "summaryStale")
_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
_INTEGER = ox.NamedNode(XSD + "integer")
#: The form of the observations; counts in another form (an older trialkg's) are recounted.
FORMAT = 2
_FORMAT = ox.NamedNode(TKG + "summaryFormat")
_FORMAT_NOW = ox.Literal(str(FORMAT), datatype=_INTEGER)
_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_PREFIX = f"PREFIX tkg: <{TKG}>\nPREFIX rdfs: <{RDFS}>\n"

#: One kind of count → group key (its dimensions' values, as text) → column → value.
Counts = dict[str, dict[tuple[str, ...], dict[str, int | str | None]]]
Row = dict[str, int | str | None]

# --- the full recount: one query per kind, over every study ------------------------------
# Each reads the studies (the union of the named graphs; a triple in two graphs counts
# twice, as Oxigraph's union does); the subqueries read whole predicates once and hash-join
# them (see benchmarks/queries-10k.md for why this shape suits Oxigraph). :func:`contribution`
# computes the same counts for one trial, and the tests hold the two equal.

_PHASE_STATUS = _PREFIX + """
SELECT ?phase ?status (COUNT(?trial) AS ?trials) (COUNT(?n) AS ?enrolled)
       (SUM(?n) AS ?total) (MIN(?n) AS ?smallest) (MAX(?n) AS ?largest) WHERE {
  {
    SELECT ?trial (MIN(?code) AS ?lo) (MAX(?code) AS ?hi) WHERE {
      ?trial a tkg:ClinicalTrial .
      OPTIONAL {
        SELECT ?trial ?code WHERE {
          ?trial tkg:phase ?p .
          BIND(IF(isIRI(?p), STRAFTER(STR(?p), "#phase_"), STR(?p)) AS ?code)
        }
      }
    } GROUP BY ?trial
  }
  BIND(COALESCE(IF(?lo = ?hi, ?lo, CONCAT(?lo, "/", ?hi)), "NONE") AS ?phase)
  { SELECT ?trial ?status WHERE { ?trial tkg:overallStatus ?status } }
  OPTIONAL { SELECT ?trial ?n WHERE { ?trial tkg:enrollment ?n } }
}
GROUP BY ?phase ?status
"""

# Sites per country, one country at a time (bound by substitution): one query over every
# site hash-joins millions of them (2.8 GiB at 100k studies); a country at a time holds one
# country's sites (0.4 GiB at 100k), for three times the time.
_COUNTRY_NAMES = _PREFIX + "SELECT DISTINCT ?country WHERE { ?site tkg:country ?country }"
_COUNTRIES = _PREFIX + """
SELECT ?country (COUNT(DISTINCT ?site) AS ?sites) (COUNT(DISTINCT ?t) AS ?trials) WHERE {
  ?site tkg:country ?country .
  ?t tkg:site ?site .
}
GROUP BY ?country
"""

_DRUG_CONDITION = _PREFIX + """
SELECT ?drug ?condition (COUNT(DISTINCT ?trial) AS ?trials)
       (MIN(?dr) AS ?drugLabel) (MIN(?cr) AS ?conditionLabel) WHERE {
  ?trial tkg:interventionMesh ?drug ;
         tkg:conditionMesh ?condition .
  OPTIONAL {
    SELECT ?trial ?drug ?dr WHERE {
      { SELECT ?trial ?link WHERE { ?trial tkg:meshLink ?link } }
      { SELECT ?link ?drug WHERE { ?link tkg:mesh ?drug } }
      { SELECT ?link ?dr WHERE { ?link tkg:meshLabel ?dr } }
    }
  }
  OPTIONAL {
    SELECT ?trial ?condition ?cr WHERE {
      { SELECT ?trial ?link WHERE { ?trial tkg:meshLink ?link } }
      { SELECT ?link ?condition WHERE { ?link tkg:mesh ?condition } }
      { SELECT ?link ?cr WHERE { ?link tkg:meshLabel ?cr } }
    }
  }
}
GROUP BY ?drug ?condition
"""

# The same pairs for some groups only (VALUES first: Oxigraph starts from them), to recount
# the registry label of a pair whose trial with the smallest label was removed.
_DRUG_CONDITION_GROUPS = _PREFIX + """
SELECT ?drug ?condition (COUNT(DISTINCT ?trial) AS ?trials)
       (MIN(?dr) AS ?drugLabel) (MIN(?cr) AS ?conditionLabel) WHERE {
  VALUES (?drug ?condition) { %s }
  ?trial tkg:interventionMesh ?drug ;
         tkg:conditionMesh ?condition .
  OPTIONAL { ?trial tkg:meshLink ?dl . ?dl tkg:mesh ?drug ; tkg:meshLabel ?dr }
  OPTIONAL { ?trial tkg:meshLink ?cl . ?cl tkg:mesh ?condition ; tkg:meshLabel ?cr }
}
GROUP BY ?drug ?condition
"""

_COLLABORATIONS = _PREFIX + """
SELECT ?lead ?collaborator (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  { SELECT ?trial ?lead WHERE { ?trial tkg:leadSponsor ?lead } }
  { SELECT ?trial ?collaborator WHERE { ?trial tkg:collaborator ?collaborator } }
}
GROUP BY ?lead ?collaborator
"""


@dataclass(frozen=True)
class _Kind:
    """One kind of count: its observations' class, dimensions and measures."""

    name: str
    cls: str
    query: str
    #: dimension columns, each with whether its value is an IRI (else a plain literal)
    keys: tuple[tuple[str, bool], ...]
    sums: tuple[str, ...]
    mins: tuple[str, ...] = ()
    maxs: tuple[str, ...] = ()
    props: dict[str, str] = field(default_factory=dict)
    #: lists the values of the first dimension: the recount runs once for each
    each: str | None = None


_KINDS: tuple[_Kind, ...] = (
    _Kind("phase-status", "PhaseStatusCount", _PHASE_STATUS,
          (("phase", False), ("status", True)), ("trials", "enrolled", "total"),
          ("smallest",), ("largest",),
          {"phase": "phaseGroup", "status": "statusGroup", "trials": "trialCount",
           "enrolled": "enrolledTrialCount", "total": "enrollmentTotal",
           "smallest": "enrollmentSmallest", "largest": "enrollmentLargest"}),
    _Kind("country", "CountrySiteCount", _COUNTRIES, (("country", False),),
          ("sites", "trials"),
          props={"country": "countryGroup", "sites": "siteCount", "trials": "trialCount"},
          each=_COUNTRY_NAMES),
    _Kind("drug-condition", "DrugConditionCount", _DRUG_CONDITION,
          (("drug", True), ("condition", True)), ("trials",),
          ("drugLabel", "conditionLabel"),
          props={"drug": "drugGroup", "condition": "conditionGroup", "trials": "trialCount",
                 "drugLabel": "drugGroupLabel", "conditionLabel": "conditionGroupLabel"}),
    _Kind("collaboration", "CollaborationCount", _COLLABORATIONS,
          (("lead", True), ("collaborator", True)), ("trials",),
          props={"lead": "leadGroup", "collaborator": "collaboratorGroup",
                 "trials": "trialCount"}),
)
_BY_NAME = {k.name: k for k in _KINDS}


class SummaryState:
    """Whether a store's summary can be trusted: ``FRESH``, ``STALE`` or ``MISSING``."""

    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"


# --- what one trial contributes ------------------------------------------------------------

_TRIAL_PREDICATES = {TKG + p: p for p in (
    "phase", "overallStatus", "enrollment", "site", "interventionMesh", "conditionMesh",
    "meshLink", "leadSponsor", "collaborator")}
_NODE_PREDICATES = {TKG + "country": "country", TKG + "mesh": "mesh", TKG + "meshLabel": "label"}
_CLINICAL_TRIAL = TKG + "ClinicalTrial"
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
    for s, p, o in set(triples):  # a graph holds each triple once
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


class SummaryTally:
    """The counts kept up to date through one write, from the trials it touches.

    The writer calls :meth:`apply` with what the touched trials contributed before and after
    each committed step; :meth:`save` then rewrites the observations that changed, recounting
    the groups whose smallest or largest value went with a removed trial, and takes off the
    stale mark, in one atomic update. ``valid`` turns false when a step was cut off between
    its commit and its :meth:`apply` (the next write then recounts everything).
    """

    def __init__(self, store: StoreCore, *, empty: bool = False) -> None:
        self.store = store
        #: the store has no studies and no summary yet: every count starts at zero
        self.empty = empty
        self._rows: dict[tuple[str, tuple[str, ...]], Row | None] = {}
        self._dirty: set[tuple[str, tuple[str, ...]]] = set()
        self._pending = False

    @classmethod
    def for_write(cls, store: StoreCore, state: str) -> SummaryTally | None:
        """A tally for a write into ``store`` whose summary was in ``state`` before it: when
        the counts are fresh, or when there are none because there are no studies yet."""
        if state == SummaryState.FRESH:
            return cls(store)
        if state == SummaryState.MISSING and not any(store.store.quads_for_pattern(
                None, _TYPE, ox.NamedNode(_CLINICAL_TRIAL), None)):
            return cls(store, empty=True)
        return None

    @property
    def valid(self) -> bool:
        """False when a step was committed but not counted (cut off in between)."""
        return not self._pending

    def begin(self) -> None:
        """A step is about to be committed; :meth:`apply` ends it."""
        self._pending = True

    def _row(self, kind: _Kind, key: tuple[str, ...]) -> Row | None:
        at = (kind.name, key)
        if at not in self._rows:
            if self.empty:
                return None
            found = _stored_row(self.store, kind, _observation(kind, key))
            self._rows[at] = found[1] if found else None
        return self._rows[at]

    def apply(self, before: Counts, after: Counts) -> None:
        """Take away what trials contributed ``before`` a step, add what they do ``after``."""
        for kind in _KINDS:
            old, new = before.get(kind.name, {}), after.get(kind.name, {})
            for key in old.keys() | new.keys():
                self._change(kind, key, old.get(key), new.get(key))
        self._pending = False

    def around(self, trials: Iterable[str], write: Callable[[], object]) -> None:
        """Run ``write`` (which changes what ``trials`` are described by) and count it."""
        trials = list(trials)
        before: Counts = {}
        for trial in trials:
            merge_counts(before, contribution(stored_facts(self.store, trial)))
        self.begin()
        write()
        after: Counts = {}
        for trial in trials:
            merge_counts(after, contribution(stored_facts(self.store, trial)))
        self.apply(before, after)

    def _change(self, kind: _Kind, key: tuple[str, ...], old: Row | None,
                new: Row | None) -> None:
        at = (kind.name, key)
        row = dict(self._row(kind, key) or _zero(kind))
        for c in kind.sums:
            row[c] = int(row[c] or 0) - int((old or {}).get(c) or 0) + int((new or {}).get(c) or 0)
        for columns, smallest in ((kind.mins, True), (kind.maxs, False)):
            for c in columns:
                was, gone, came = row.get(c), (old or {}).get(c), (new or {}).get(c)
                if gone is not None and (was is None or _pick(gone, was, smallest) == gone):
                    # a removed trial may have held the group's extreme: unless the new value
                    # is as extreme, only a recount of the group knows the next one
                    if was is not None and came is not None and \
                            _pick(came, was, smallest) == came:
                        row[c] = came
                    else:
                        self._dirty.add(at)
                else:
                    row[c] = _pick(was, came, smallest)
        self._rows[at] = row if int(row["trials"] or 0) > 0 else None

    def save(self) -> int:
        """Rewrite the changed observations and clear the stale mark (one atomic update);
        returns how many observations were rewritten."""
        self._settle()
        if self.empty:
            counts: Counts = {}
            for (name, key), row in self._rows.items():
                if row is not None:
                    counts.setdefault(name, {})[key] = row
            self.store.replace_graph(SUMMARY_GRAPH, summary_quads(self.store, counts))
            return len(self._rows)
        deletes, inserts = [], []
        for (name, key), row in self._rows.items():
            kind = _BY_NAME[name]
            node = _observation(kind, key)
            deletes.append(node)
            if row is not None:
                inserts += _observation_quads(kind, key, row)
        update = [f"DELETE WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ {n} ?p ?o }} }}"
                  for n in deletes]
        update.append(f"DELETE DATA {{ GRAPH <{SUMMARY_GRAPH}> {{ <{SUMMARY_GRAPH}> "
                      f"<{_STALE.value}> {_TRUE} }} }}")
        if inserts:
            body = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in inserts)
            update.append(f"INSERT DATA {{ GRAPH <{SUMMARY_GRAPH}> {{ {body} }} }}")
        self.store.store.update(" ;\n".join(update))
        return len(deletes)

    def _settle(self) -> None:
        """Recount the groups whose smallest or largest value is no longer known."""
        labelled = _Labelled(self.store)
        dirty = {name: [key for n, key in self._dirty if n == name] for name, _ in self._dirty}
        for name, keys in dirty.items():
            kind = _BY_NAME[name]
            if name == "drug-condition":
                # only the registry labels can be unknown, and only those of descriptors the
                # MeSH graph does not label are kept: those few pairs are recounted alone
                keys = [k for k in keys if not (labelled(k[0]) and labelled(k[1]))]
                if not keys:
                    continue
                values = " ".join(f"(<{d}> <{c}>)" for d, c in keys)
                fresh = _recount(self.store, kind, _DRUG_CONDITION_GROUPS % values)
            else:  # phase and status: a few dozen groups, recounted together
                fresh = _recount(self.store, kind)
                keys = list(fresh) + [k for (n, k) in self._rows if n == name]
            for key in keys:
                self._rows[(name, key)] = fresh.get(key)
        self._dirty.clear()
        labelled.strip({key: row for (name, key), row in self._rows.items()
                        if name == "drug-condition" and row is not None})


def summary_state(store: StoreCore) -> str:
    """:class:`SummaryState` of a store (a reader's view)."""
    if any(store.store.quads_for_pattern(_G, _STALE, None, _G)):
        return SummaryState.STALE
    if any(store.store.quads_for_pattern(_G, _FORMAT, _FORMAT_NOW, _G)):
        return SummaryState.FRESH
    if any(store.store.quads_for_pattern(_G, _LABEL, None, _G)):
        return SummaryState.STALE  # counts in an older trialkg's form: recounted next write
    return SummaryState.MISSING


def mark_stale(store: StoreCore) -> str:
    """Mark the summary stale before a write; returns its state before the mark.

    The mark is cleared by :func:`refresh_summary` or :meth:`SummaryTally.save`, or by
    :func:`clear_stale` when the write changed no study. A write that is cut off leaves it,
    even on a store that had no summary yet (its first ingest).
    """
    state = summary_state(store)
    if state != SummaryState.STALE:
        store.store.add(ox.Quad(_G, _STALE, _TRUE, _G))
    return state


def clear_stale(store: StoreCore, before: str) -> None:
    """Put the summary back as it was ``before`` a write that changed no study."""
    if before == SummaryState.FRESH:
        store.store.remove(ox.Quad(_G, _STALE, _TRUE, _G))
    elif before == SummaryState.MISSING:
        store.store.remove_graph(_G)
