"""Mutations of real records, for hardening tests and ``scripts/fuzz_report.py``.

A record is decoded to a JSON-like tree (dicts, lists, scalars), one mutation is applied at a
random place, and the tree is encoded again. Each :class:`Importer` names how to decode,
encode and read its format, so hardening another importer (legacy XML, curated records) is
one more entry in :data:`IMPORTERS` — for XML, ``decode`` turns elements into
``{"tag", "attrib", "text", "children"}`` dicts and ``encode`` writes them back.

:func:`try_record` feeds the mutated bytes through the importer *and* a full ingest into an
in-memory store, then re-parses the study graph as N-Triples: the outcome is ``loaded``,
``clean error`` (a RecordError with a readable message) or ``crash`` (anything else).
No hypothesis here: a :class:`random.Random` drives every choice, so the script and the
property-based tests share the mutators.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "IMPORTERS",
    "MUTATIONS",
    "OUTCOMES",
    "Importer",
    "mutate",
    "try_record",
]

Tree = Any
Mutator = Callable[[Tree, random.Random, frozenset[str]], tuple[Tree, bool]]

#: What one mutated record can do.
OUTCOMES = ("loaded", "clean error", "crash")
#: A message longer than this is not "clear" (a huge value pasted into it).
MAX_MESSAGE = 1_000


@dataclass(frozen=True)
class Importer:
    """One input format under test: how to decode, encode and read its bytes."""

    name: str
    decode: Callable[[bytes], Tree]
    encode: Callable[[Tree, bool], bytes]  # (tree, ascii_only) -> bytes
    read: Callable[[bytes], Iterable[Any]]  # yields Study | RecordError
    suffixes: tuple[str, ...]
    #: Keys whose values reach IRIs, types and required fields: half the mutations hit them.
    hot_keys: frozenset[str] = frozenset()


def _json_encode(tree: Tree, ascii_only: bool) -> bytes:
    # ensure_ascii writes lone surrogates as \ud800 escapes: valid JSON text, bad Unicode.
    return json.dumps(tree, ensure_ascii=ascii_only).encode("utf-8")


def _read_ctgov_json(data: bytes) -> Iterable[Any]:
    from trialkg.sources import ctgov_json

    return ctgov_json.read_bytes(data, "fuzz.json")


IMPORTERS: dict[str, Importer] = {
    "ctgov-json": Importer(
        "ctgov-json", json.loads, _json_encode, _read_ctgov_json, (".json",),
        frozenset({"nctId", "name", "fullName", "id", "conditions", "date", "count", "type",
                   "overallStatus", "studyType", "phases", "label", "term", "versionHolder",
                   "protocolSection", "identificationModule", "statusModule", "designModule",
                   "meshes", "ancestors", "lat", "lon", "armGroupLabels", "minimumAge",
                   "hasResults", "studies", "enrollmentInfo", "measure", "interventions"}),
    ),
}


# --- where to mutate --------------------------------------------------------------------


def _slots(tree: Tree) -> list[tuple[Any, Any, str]]:
    """Every (container, key, name) in the tree; ``name`` is the nearest dict key."""
    out: list[tuple[Any, Any, str]] = []
    stack: list[tuple[Any, str]] = [(tree, "")]
    while stack:
        node, name = stack.pop()
        items: Iterable[tuple[Any, Any]]
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, value in items:
            here = key if isinstance(key, str) else name
            out.append((node, key, here))
            stack.append((value, here))
    return out


def _pick(
    tree: Tree, rng: random.Random, hot: frozenset[str], want: Callable[[Any], bool]
) -> tuple[Any, Any] | None:
    """A random place whose value ``want``s; half the time one under a hot key."""
    slots = [(c, k, n) for c, k, n in _slots(tree) if want(c[k])]
    hot_slots = [s for s in slots if s[2] in hot]
    pool = hot_slots if hot_slots and rng.random() < 0.5 else slots
    if not pool:
        return None
    container, key, _name = rng.choice(pool)
    return container, key


# --- mutations ------------------------------------------------------------------------------


def _drop_key(tree: Tree, rng: random.Random, hot: frozenset[str]) -> tuple[Tree, bool]:
    slot = _pick(tree, rng, hot, lambda v: True)
    if slot is not None and isinstance(slot[0], dict):
        del slot[0][slot[1]]
    elif slot is not None:
        slot[0].pop(slot[1])  # a list item
    return tree, False


_WRONG = [None, True, 0, -1, 2**70, 1.5e308, "", "x", [], [1, "a"], {}, {"a": [None]}]


def _wrong_type(tree: Tree, rng: random.Random, hot: frozenset[str]) -> tuple[Tree, bool]:
    slot = _pick(tree, rng, hot, lambda v: True)
    if slot is not None:
        container, key = slot
        old = container[key]
        container[key] = rng.choice([v for v in _WRONG if type(v) is not type(old)])
    return tree, False


def _with_string(make: Callable[[str, random.Random], str], ascii_only: bool = False) -> Mutator:
    def mutation(tree: Tree, rng: random.Random, hot: frozenset[str]) -> tuple[Tree, bool]:
        slot = _pick(tree, rng, hot, lambda v: isinstance(v, str))
        if slot is not None:
            container, key = slot
            container[key] = make(container[key], rng)
        return tree, ascii_only

    return mutation


def _insert(text: str, extra: str, rng: random.Random) -> str:
    at = rng.randint(0, len(text))
    return text[:at] + extra + text[at:]


_UNICODE = ["é", "ß", "İ", "ﬁ", "\u0301", "\u200b", "\u202e", "\ufeff", "中文", "😀", "\U0001d518",
            "\U0010ffff", "\u2028"]

MUTATIONS: dict[str, Mutator] = {
    "drop key": _drop_key,
    "wrong type": _wrong_type,
    "huge string": _with_string(lambda s, r: s + r.choice("ab <>\"\t") * 1_000_000),
    "unicode": _with_string(lambda s, r: _insert(s, "".join(r.choices(_UNICODE, k=5)), r)),
    "control chars": _with_string(
        lambda s, r: _insert(s, "".join(chr(r.randint(1, 31)) for _ in range(4)), r)
    ),
    "NUL": _with_string(lambda s, r: _insert(s, "\x00", r)),
    "lone surrogate": _with_string(
        lambda s, r: _insert(s, r.choice(["\ud800", "\udfff", "\udbff"]), r), ascii_only=True
    ),
    "IRI breakers": _with_string(
        lambda s, r: _insert(s, r.choice(["\t", " ", '"', "<>", "\\", "{}|^`", "\n"]), r)
    ),
}


def mutate(importer: Importer, data: bytes, kind: str, rng: random.Random) -> bytes:
    """One mutation of kind ``kind`` applied to a record's bytes."""
    tree, ascii_only = MUTATIONS[kind](importer.decode(data), rng, importer.hot_keys)
    return importer.encode(tree, ascii_only)


def try_record(importer: Importer, data: bytes) -> tuple[str, str]:
    """Read, ingest and re-parse one input; ``(outcome, detail)``, never an exception."""
    import pyoxigraph as ox

    from trialkg.exceptions import RecordError
    from trialkg.store import TrialStore

    try:
        items = list(importer.read(data))
        store = TrialStore.memory()
        report = store.ingest(items)
        out = io.BytesIO()
        ox.serialize(store.store, out, ox.RdfFormat.N_QUADS)
        reparsed = sum(1 for _ in ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS))
        if reparsed != len(store):
            return "crash", f"N-Quads re-parse gave {reparsed} quads, store has {len(store)}"
    except Exception as exc:  # the point: anything escaping is a crash, with its name
        return "crash", f"{type(exc).__name__}: {str(exc)[:200]}"
    messages = [str(i) for i in items if isinstance(i, RecordError)] + report.errors
    for message in messages:
        if not message.strip() or len(message) > MAX_MESSAGE or "Traceback" in message:
            return "crash", f"unclear error message: {message[:200]!r}"
    if messages:
        return "clean error", messages[0][:200]
    return "loaded", f"{report.loaded} studies"
