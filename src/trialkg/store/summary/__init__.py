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

from trialkg.store.core import SUMMARY_GRAPH
from trialkg.store.summary.facts import (
    TrialFacts,
    contribution,
    merge_counts,
    stored_facts,
    trial_facts,
)
from trialkg.store.summary.kinds import QB, Counts, SummaryState
from trialkg.store.summary.stored import full_counts, refresh_summary, stored_counts, summary_quads
from trialkg.store.summary.tally import SummaryTally, clear_stale, mark_stale, summary_state

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
