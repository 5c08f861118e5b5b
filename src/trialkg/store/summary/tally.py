"""Keeping the counts up to date at each write, and the stale mark a cut-off write leaves."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

from trialkg.store.core import SUMMARY_GRAPH, StoreCore
from trialkg.store.summary.facts import (
    _CLINICAL_TRIAL,
    _pick,
    _zero,
    contribution,
    merge_counts,
    stored_facts,
)
from trialkg.store.summary.kinds import (
    _BY_NAME,
    _DRUG_CONDITION_GROUPS,
    _FORMAT,
    _FORMAT_NOW,
    _G,
    _KINDS,
    _LABEL,
    _STALE,
    _TRUE,
    _TYPE,
    Counts,
    Row,
    SummaryState,
    _Kind,
)
from trialkg.store.summary.stored import (
    _Labelled,
    _observation,
    _observation_quads,
    _recount,
    _stored_row,
    summary_quads,
)

__all__ = [
    "SummaryTally",
    "clear_stale",
    "mark_stale",
    "summary_state",
]

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
