"""The full-text index of the trials: SQLite FTS5 (standard library), BM25 ranking.

One row per trial, one column per searchable field (:data:`~trialkg.store.search.syntax.FIELDS`),
read from the store: title (label, brief and official titles, acronym), summary (brief
summary, detailed description), conditions and interventions as the registry words them
(interventions with their other names), keywords, and the lead sponsor and collaborators.
Text is tokenized by ``unicode61`` with ``remove_diacritics 2``: case and accents are
ignored (``Désmoïde`` matches ``desmoide``).

A store on disk keeps its index in one file beside the data, ``search.sqlite`` in the store
directory. Its ``state`` says whether it matches the store: a write marks it ``stale``
first, commits the store, then updates the rows of the trials it touched and marks it
``fresh`` in one SQLite transaction; a write that is cut off in between leaves it
``stale``, and the next write (or search, when no write runs) rebuilds it whole. An
in-memory store (the bundled graph) gets an in-memory index, built on first use.

>>> import pyoxigraph as ox
>>> from trialkg.iris import TKG, trial_iri
>>> s = ox.Store()
>>> t = ox.NamedNode(trial_iri("NCT00000001"))
>>> s.add(ox.Quad(t, RDF_TYPE, CLINICAL_TRIAL))
>>> s.add(ox.Quad(t, LABEL, ox.Literal("Imatinib for Desmoid Tumours")))
>>> index = TextIndex.open(None)
>>> index.rebuild(s)
1
>>> [(h.id, h.snippet("[", "]")) for h in index.search("désmoid")]
[('NCT00000001', 'Imatinib for [Desmoid] Tumours')]
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from trialkg.exceptions import SearchError
from trialkg.iris import TKG
from trialkg.store.search.syntax import FIELDS, to_fts

__all__ = ["FRESH", "INDEX_FILE", "STALE", "Hit", "IndexRow", "TextIndex", "Written", "mapped_text",
           "trial_text", "written_text"]

#: The index file's name in the store directory.
INDEX_FILE = "search.sqlite"
FRESH, STALE, MISSING = "fresh", "stale", "missing"
_SCHEMA_VERSION = "1"

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
CLINICAL_TRIAL = ox.NamedNode(TKG + "ClinicalTrial")
_NCT_ID = ox.NamedNode(TKG + "nctId")
_OTHER_NAME = ox.NamedNode(TKG + "otherName")

#: Literal properties of the trial -> field.
_OWN = {
    LABEL: "title",
    ox.NamedNode(TKG + "briefTitle"): "title",
    ox.NamedNode(TKG + "officialTitle"): "title",
    ox.NamedNode(TKG + "acronym"): "title",
    ox.NamedNode(TKG + "briefSummary"): "summary",
    ox.NamedNode(TKG + "detailedDescription"): "summary",
    ox.NamedNode(TKG + "keyword"): "keywords",
}
#: Links to other nodes whose label (and other names) go into a field.
_LINKED = {
    ox.NamedNode(TKG + "condition"): "conditions",
    ox.NamedNode(TKG + "intervention"): "interventions",
    ox.NamedNode(TKG + "leadSponsor"): "sponsors",
    ox.NamedNode(TKG + "collaborator"): "sponsors",
}
#: BM25 weight of each field: a word in the title counts most.
_WEIGHTS = {"title": 4.0, "summary": 1.0, "conditions": 2.0, "interventions": 2.0,
            "keywords": 2.0, "sponsors": 1.0}
_SEPARATOR = " | "
# Snippet markers: control characters no record text holds, replaced when shown.
_OPEN, _CLOSE = "\x02", "\x03"


@dataclass(frozen=True)
class Hit:
    """One trial found: its NCT id (or other id), IRI, title, relevance and snippet."""

    id: str
    iri: str
    title: str
    score: float
    marked: str  # the snippet with matches between _OPEN and _CLOSE

    def snippet(self, before: str = "[", after: str = "]") -> str:
        """The snippet with each match between ``before`` and ``after``."""
        return self.marked.replace(_OPEN, before).replace(_CLOSE, after)

    def as_dict(self) -> dict[str, str | float]:
        return {"id": self.id, "iri": self.iri, "title": self.title,
                "score": round(self.score, 4), "snippet": self.snippet()}


#: (predicate, object) pairs of a subject, for one predicate or all (None).
Lookup = Callable[[ox.NamedNode, "ox.NamedNode | None"], Iterable[tuple[Any, Any]]]
#: A trial's index row: its id, display title and the text of each field.
IndexRow = tuple[str, str, list[str]]
#: What a new study is indexed from: its record's quads, their N-Quads text, or its row.
Written = Sequence[ox.Quad] | bytes | IndexRow


def trial_text(store: ox.Store, trial: ox.NamedNode) -> tuple[str, str, list[str]] | None:
    """A trial's id, display title and the text of each field, read from the store; None
    when it is not a trial in the store (any more)."""

    def lookup(subject: ox.NamedNode, predicate: ox.NamedNode | None
               ) -> Iterable[tuple[Any, Any]]:
        return ((q.predicate, q.object)
                for q in store.quads_for_pattern(subject, predicate, None))

    return _text_of(trial, lookup)


#: Where the N-Quads lines the index reads have their predicate (or the trial's type).
_WANTED = re.compile(
    rb"> <(?:http://www\.w3\.org/2000/01/rdf-schema#label|https://w3id\.org/trialkg/vocab#"
    rb"(?:briefTitle|officialTitle|acronym|briefSummary|detailedDescription|keyword|nctId|"
    rb"otherName|condition|intervention|leadSponsor|collaborator))> |"
    rb"> <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type> "
    rb"<https://w3id\.org/trialkg/vocab#ClinicalTrial> ")


def _wanted_lines(data: bytes) -> bytes:
    lines = []
    for m in _WANTED.finditer(data):
        start = data.rfind(b"\n", 0, m.start()) + 1
        end = data.find(b"\n", m.end())
        lines.append(data[start : end if end >= 0 else len(data)])
    return b"\n".join(lines)


def written_text(trial: ox.NamedNode, quads: Sequence[ox.Quad] | bytes
                 ) -> tuple[str, str, list[str]] | None:
    """The same as :func:`trial_text`, read from the quads a record writes (terms, or the
    N-Quads text an ingest worker sends): what a batch of new studies is indexed from,
    without reading the store back."""
    if isinstance(quads, bytes):  # only the few lines wanted are parsed
        quads = list(ox.parse(_wanted_lines(quads), format=ox.RdfFormat.N_QUADS))
    return mapped_text(trial, ((q.subject, q.predicate, q.object) for q in quads))


def mapped_text(trial: ox.NamedNode, triples: Iterable[tuple[Any, Any, Any]]
                ) -> tuple[str, str, list[str]] | None:
    """The same as :func:`trial_text`, from the triples (subject, predicate, object) a
    record's mapping emits: what an ingest worker indexes a study from, as it maps it."""
    by_subject: dict[Any, list[tuple[Any, Any]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))

    def lookup(subject: ox.NamedNode, predicate: ox.NamedNode | None
               ) -> Iterable[tuple[Any, Any]]:
        pairs = by_subject.get(subject, [])
        return pairs if predicate is None else [x for x in pairs if x[0] == predicate]

    return _text_of(trial, lookup)


def _text_of(trial: ox.NamedNode, lookup: Lookup) -> tuple[str, str, list[str]] | None:
    if not any(o == CLINICAL_TRIAL for _, o in lookup(trial, RDF_TYPE)):
        return None
    fields: dict[str, dict[str, None]] = {f: {} for f in FIELDS}
    nct = None
    brief = label = None
    for p, o in lookup(trial, None):
        if isinstance(o, ox.Literal):
            if p in _OWN:
                fields[_OWN[p]][o.value] = None
                if p == LABEL:
                    label = o.value
                elif p.value.endswith("#briefTitle"):
                    brief = o.value
            elif p == _NCT_ID:
                nct = o.value
        elif p in _LINKED and isinstance(o, ox.NamedNode):
            into = fields[_LINKED[p]]
            for link in (LABEL, _OTHER_NAME):
                for _, name in lookup(o, link):
                    if isinstance(name, ox.Literal):
                        into[name.value] = None
    ident = nct or trial.value.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    title = label or brief or next(iter(fields["title"]), "")
    # sorted: the store and a record's N-Quads give the values in different orders
    return ident, title, [_SEPARATOR.join(sorted(fields[f])) for f in FIELDS]


def _trials(store: ox.Store) -> Iterator[ox.NamedNode]:
    seen: set[ox.NamedNode] = set()
    for q in store.quads_for_pattern(None, RDF_TYPE, CLINICAL_TRIAL):
        if isinstance(q.subject, ox.NamedNode) and q.subject not in seen:
            seen.add(q.subject)
            yield q.subject


class TextIndex:
    """The FTS5 index: open or create, keep up to date, search."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | None) -> TextIndex:
        """The index in the file at ``path`` (created empty and ``missing`` when new), or a
        new in-memory one for ``None``.

        :raises SearchError: when the file cannot be opened or is not an index.
        """
        try:
            # SQLite is built serialized (sqlite3.threadsafety 3): one connection may serve
            # the threads of `trialkg serve`.
            conn = sqlite3.connect(":memory:" if path is None else str(path),
                                   isolation_level=None, timeout=30, check_same_thread=False)
            if path is not None:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(
                "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE IF NOT EXISTS docs(rowid INTEGER PRIMARY KEY,"
                " iri TEXT UNIQUE NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL);"
                f"CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({', '.join(FIELDS)},"
                " tokenize='unicode61 remove_diacritics 2');"
            )
        except sqlite3.Error as exc:
            raise SearchError(f"cannot open the search index {path}: {exc}") from None
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    # --- state ---------------------------------------------------------------------

    def state(self) -> str:
        """``fresh`` (matches the store), ``stale`` (a write was cut off, or the index
        was made by another version) or ``missing`` (never built)."""
        rows = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        if "state" not in rows:
            return MISSING
        return rows["state"] if rows.get("schema") == _SCHEMA_VERSION else STALE

    def mark_stale(self) -> None:
        """Before a write to the store: a write cut off after this leaves the mark."""
        if self.state() != STALE:
            self._set_state(STALE)

    def _set_state(self, state: str) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                              [("state", state), ("schema", _SCHEMA_VERSION)])

    # --- writing -------------------------------------------------------------------

    def refresh(self, store: ox.Store, trials: Iterable[str],
                written: Mapping[str, Written] | None = None, *, fresh: bool = True) -> int:
        """Re-read the given trials (IRIs): rows of those still in the store are replaced,
        the others dropped; then the index is marked fresh. One transaction. A trial new to
        the index whose record's quads (or the row :func:`mapped_text` made of them) are in
        ``written`` (a batch of new studies) is read from those; any other from the store
        (a trial other graphs describe too). With ``fresh`` false the index stays marked
        stale (a later commit of the same write is still loading). Returns how many trials
        are indexed now of those given."""
        written = written or {}
        rows = []
        for iri in dict.fromkeys(trials):
            node = ox.NamedNode(iri)
            if iri in written and not self._has(iri):
                given = written[iri]
                rows.append((iri, given if isinstance(given, tuple)
                             else written_text(node, given)))
            else:
                rows.append((iri, trial_text(store, node)))
        with self._transaction():
            self._delete([iri for iri, _ in rows])
            kept = [(iri, text) for iri, text in rows if text is not None]
            self._insert(kept)
            if fresh:
                self._set_state(FRESH)
        return len(kept)

    def rebuild(self, store: ox.Store) -> int:
        """Index every trial of the store from scratch; returns how many."""
        with self._transaction():
            self.conn.execute("DELETE FROM docs")
            self.conn.execute("DELETE FROM fts")
            count = 0
            chunk: list[tuple[str, tuple[str, str, list[str]] | None]] = []
            for trial in _trials(store):
                chunk.append((trial.value, trial_text(store, trial)))
                if len(chunk) >= 1000:
                    count += self._insert(chunk)
                    chunk = []
            count += self._insert(chunk)
            self._set_state(FRESH)
        self.conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        return count

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def _has(self, iri: str) -> bool:
        return self.conn.execute("SELECT 1 FROM docs WHERE iri = ?", (iri,)).fetchone() is not None

    def _delete(self, iris: Sequence[str]) -> None:
        for iri in iris:
            row = self.conn.execute("SELECT rowid FROM docs WHERE iri = ?", (iri,)).fetchone()
            if row is not None:
                self.conn.execute("DELETE FROM fts WHERE rowid = ?", row)
                self.conn.execute("DELETE FROM docs WHERE rowid = ?", row)

    def _insert(self, rows: Sequence[tuple[str, tuple[str, str, list[str]] | None]]) -> int:
        n = 0
        for iri, text in rows:
            if text is None:
                continue
            ident, title, columns = text
            cur = self.conn.execute("INSERT INTO docs(iri, id, title) VALUES (?, ?, ?)",
                                    (iri, ident, title))
            self.conn.execute(
                f"INSERT INTO fts(rowid, {', '.join(FIELDS)}) VALUES (?{', ?' * len(FIELDS)})",
                (cur.lastrowid, *columns))
            n += 1
        return n

    # --- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def search(self, text: str, fields: Sequence[str] = (), limit: int | None = 20) -> list[Hit]:
        """Trials matching ``text`` (see :mod:`trialkg.store.search.syntax`), best first (BM25).

        :raises SearchError: for a malformed search or an unknown field.
        """
        weights = ", ".join(str(_WEIGHTS[f]) for f in FIELDS)
        # The best rows first, then snippets for those only (a snippet costs more than a
        # rank, and a common word matches a good part of the trials).
        sql = (f"SELECT d.id, d.iri, d.title, bm25(fts, {weights}) AS rank,"
               f" snippet(fts, -1, '{_OPEN}', '{_CLOSE}', '…', 16)"
               " FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?1 AND fts.rowid IN"
               f" (SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY bm25(fts, {weights})"
               " LIMIT ?2) ORDER BY rank, d.id")
        rows = self._match(sql, text, fields, limit)
        return [Hit(i, iri, title, -rank, snip) for i, iri, title, rank, snip in rows]

    def matching(self, text: str, fields: Sequence[str] = (), limit: int | None = None
                 ) -> list[str]:
        """The IRIs of the trials matching ``text``, best first.

        :raises SearchError: for a malformed search or an unknown field.
        """
        weights = ", ".join(str(_WEIGHTS[f]) for f in FIELDS)
        sql = (f"SELECT d.iri FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?"
               f" ORDER BY bm25(fts, {weights}), d.id LIMIT ?")
        return [row[0] for row in self._match(sql, text, fields, limit)]

    def _match(self, sql: str, text: str, fields: Sequence[str], limit: int | None
               ) -> list[Any]:
        expr = to_fts(text, fields)
        try:
            return self.conn.execute(sql, (expr, -1 if limit is None else limit)).fetchall()
        except sqlite3.OperationalError as exc:
            raise SearchError(f"search {text!r}: {exc}") from None


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error) on an autocommit
    connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if kind is not None else "COMMIT")
