"""Mutations of real records, for hardening tests and ``scripts/fuzz_report.py``.

A record is decoded to a JSON-like tree (dicts, lists, scalars), one mutation is applied at a
random place, and the tree is encoded again. Each :class:`Importer` names how to decode,
encode and read its format; :data:`IMPORTERS` holds every input format trialkg reads:

* ``ctgov-json`` — API v2 JSON, decoded by :func:`json.loads`;
* ``ctgov-xml`` — legacy ``<clinical_study>`` XML, decoded the xmltodict way: an element is
  ``{tag: text}`` or ``{tag: {"@attr": ..., "#text": ..., child_tag: value-or-list}}``, so the
  nearest key of every value is its element's name, "drop key" drops an element, attribute
  or text, "wrong type" puts an empty element, a number or nested elements where text was,
  and control characters, NUL and lone surrogates become characters that XML forbids;
* ``curated`` — curated YAML records, decoded by :func:`yaml.safe_load` and dumped back
  (strings with control characters, NUL or lone surrogates as double-quoted escapes).

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

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


def _xml_decode(data: bytes) -> Tree:
    root = ET.fromstring(data)
    return {root.tag: _element_tree(root)}


def _element_tree(el: ET.Element) -> Tree:
    text = el.text if el.text and el.text.strip() else None
    if not el.attrib and len(el) == 0:
        return text
    node: dict[str, Any] = {f"@{k}": v for k, v in el.attrib.items()}
    if text is not None:
        node["#text"] = text
    for child in el:
        value = _element_tree(child)
        if child.tag not in node:
            node[child.tag] = value
        elif isinstance(node[child.tag], list):
            node[child.tag].append(value)
        else:
            node[child.tag] = [node[child.tag], value]
    return node


def _flat(value: Any) -> Iterator[Any]:
    """The items a value stands for as repeated elements (nested lists flattened)."""
    if isinstance(value, list):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def _fill(el: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("@"):
                el.set(key[1:], "" if item is None else str(item))
            elif key == "#text":
                el.text = None if item is None else str(item)
            else:
                for one in _flat(item):
                    _fill(ET.SubElement(el, key), one)
    elif isinstance(value, list):  # a list where one value was: its items as text
        el.text = " ".join(str(v) for v in _flat(value))
    elif value is not None:
        el.text = str(value)


def _xml_encode(tree: Tree, ascii_only: bool) -> bytes:
    # ascii_only writes lone surrogates as &#55296; references: well-formed text, bad XML.
    if not isinstance(tree, dict) or not tree:
        return b""  # the root element was dropped
    tag, value = next(iter(tree.items()))
    root = ET.Element(tag)
    _fill(root, value)
    data: bytes = ET.tostring(root, encoding="us-ascii" if ascii_only else "utf-8")
    return data


def _read_ctgov_xml(data: bytes) -> Iterable[Any]:
    from trialkg.sources import ctgov_xml

    return ctgov_xml.read_bytes(data, "fuzz.xml")


def _yaml_decode(data: bytes) -> Tree:
    import yaml

    # Dates as text, as the curated reader sees them.
    return json.loads(json.dumps(yaml.safe_load(data), default=str))


def _yaml_encode(tree: Tree, ascii_only: bool) -> bytes:
    import yaml

    # allow_unicode=False escapes everything outside ASCII, lone surrogates included.
    # libyaml's dumper when present (the pure-Python one takes a second per huge string),
    # but it cannot write lone surrogates, even escaped.
    dumper = yaml.SafeDumper if ascii_only else getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(tree, Dumper=dumper, allow_unicode=not ascii_only, sort_keys=False,
                          width=100)
    return text.encode("utf-8")


def _read_curated(data: bytes) -> Iterable[Any]:
    from trialkg.sources import curated

    return curated.read_bytes(data, "fuzz.yaml")


IMPORTERS: dict[str, Importer] = {
    "ctgov-json": Importer(
        "ctgov-json", json.loads, _json_encode, _read_ctgov_json, (".json",),
        frozenset({"nctId", "name", "fullName", "id", "conditions", "date", "count", "type",
                   "overallStatus", "studyType", "phases", "label", "term", "versionHolder",
                   "protocolSection", "identificationModule", "statusModule", "designModule",
                   "meshes", "ancestors", "lat", "lon", "armGroupLabels", "minimumAge",
                   "hasResults", "studies", "enrollmentInfo", "measure", "interventions"}),
    ),
    "ctgov-xml": Importer(
        "ctgov-xml", _xml_decode, _xml_encode, _read_ctgov_xml, (".xml",),
        frozenset({"clinical_study", "id_info", "nct_id", "overall_status", "study_type", "phase",
                   "start_date", "completion_date", "primary_completion_date",
                   "study_first_posted", "last_update_posted", "firstreceived_date",
                   "lastchanged_date", "verification_date", "enrollment", "condition",
                   "intervention", "intervention_name", "intervention_type", "arm_group",
                   "arm_group_label", "lead_sponsor", "collaborator", "agency", "agency_class",
                   "mesh_term", "location", "country", "eligibility", "minimum_age", "gender",
                   "study_design_info", "masking", "primary_outcome", "measure",
                   "clinical_results", "group", "measurement", "count", "value"}),
    ),
    "curated": Importer(
        "curated", _yaml_decode, _yaml_encode, _read_curated, (".yaml", ".yml"),
        frozenset({"record_type", "trial_id", "key", "source", "url", "retrieved", "status",
                   "phases", "study_type", "start", "completion", "conditions", "interventions",
                   "name", "type", "condition_mesh", "intervention_mesh", "enrollment",
                   "sponsor", "supporters", "sites", "eligibility", "outcomes", "kind",
                   "measure", "results", "measurements", "value", "title"}),
    ),
}


# --- where to mutate --------------------------------------------------------------------


def _slots(tree: Tree) -> list[tuple[Any, Any, str]]:
    """Every (container, key, name) in the tree; ``name`` is the nearest dict key.

    XML attributes and text (``@type``, ``#text``) take their element's name.
    """
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
            here = key if isinstance(key, str) and key[:1] not in ("@", "#") else name
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
