"""Full-text search over the trials (SQLite FTS5): the index, its upkeep, the query syntax."""

from trialkg.store.search.index import INDEX_FILE, Hit, TextIndex, trial_text
from trialkg.store.search.syntax import FIELDS, to_fts
from trialkg.store.search.upkeep import before_write, index_for

__all__ = [
    "FIELDS",
    "INDEX_FILE",
    "Hit",
    "TextIndex",
    "before_write",
    "index_for",
    "to_fts",
    "trial_text",
]
