"""The linker's index: built once per vocabulary, for every kind of link at once.

Normalising 400,000 terms and 323,000 supplementary names is what makes a linker slow to
start (5 s of CPU); choosing the descriptors a kind allows is not. So the index holds, for
each normalised key, *every* descriptor (or supplementary record) that has it, as numbers;
:class:`trialkg.mesh.linker.Linker` keeps the ones its kind allows when a key is looked up.
Where an index is kept (shipped with the bundled MeSH, or cached per vocabulary) is
:mod:`trialkg.mesh.index_files`' concern; a change to this module or to
:mod:`trialkg.mesh.normalise` makes every kept index stale.

>>> from trialkg.mesh.model import Descriptor
>>> from trialkg.mesh.vocabulary import MeshVocabulary
>>> vocab = MeshVocabulary([Descriptor("D018222", "Fibromatosis, Aggressive", ("Desmoid",),
...                                    ("C04.557",))], version="test")
>>> terms = build_terms(vocab)
>>> terms.uis, terms.candidates[("aggressive", "fibromatosis")]
(['D018222'], (0,))
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from trialkg.mesh.normalise import tokens, variants
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = [
    "SHARDS",
    "Entry",
    "SupplementaryIndex",
    "TermIndex",
    "build_supplementary",
    "build_terms",
    "simple_key",
]

Key = tuple[str, ...]
Ids = tuple[int, ...]

_ABBREVIATION = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z][A-Z0-9]{1,7}$")
#: Salt and ester words that end a drug descriptor's name ("Imatinib Mesylate").
SALTS = frozenset(
    "mesylate hydrochloride dihydrochloride hydrobromide sulfate sodium potassium calcium "
    "magnesium citrate maleate tartrate acetate phosphate bromide chloride fumarate succinate "
    "besylate tosylate malate lactate gluconate nitrate mesilate dimesylate bitartrate "
    "monohydrate hyclate".split()
)
_SIMPLE_WORD = re.compile(r"[a-z0-9]+")
_INITIAL_WORD = re.compile(r"[A-Za-z0-9]+")
#: Words a term's initials skip ("Graft vs Host Disease" is GVHD, "Disorders of …" drop "of").
_SKIP_INITIAL = frozenset({"of", "the", "and", "in", "with", "to", "for", "by", "or"})


def is_abbreviation(term: str) -> bool:
    """An upper-case term of 2 to 8 characters with two capitals or more ("NSCLC")."""
    return _ABBREVIATION.match(term) is not None


def simple_key(text: str) -> str:
    """Lower-cased words only: how supplementary names are indexed and looked up."""
    return " ".join(_SIMPLE_WORD.findall(text.lower()))


def merge_numbers(key: Key) -> Key:
    """A number joined to the word before it, as people write "COVID19" for "COVID-19".

    >>> merge_numbers(("covid", "19")), merge_numbers(("type", "2", "diabetes"))
    (('covid19',), ('type2', 'diabetes'))
    """
    out: list[str] = []
    for word in key:
        if out and word.isdigit() and out[-1].isalpha():
            out[-1] += word
        else:
            out.append(word)
    return tuple(out)


def initials(term: str) -> str | None:
    """The upper-case initials of a term of three to six words, hyphenated parts counted
    ("Non-Small-Cell Lung Carcinoma" → NSCLC); None for shorter or inverted terms.

    >>> initials("Obstructive Sleep Apnea"), initials("Lung Neoplasms")
    ('OSA', None)
    """
    if "," in term:
        return None
    parts = [w for w in _INITIAL_WORD.findall(term) if w.lower() not in _SKIP_INITIAL]
    if not 3 <= len(parts) <= 6 or any(w.isdigit() for w in parts):
        return None
    return "".join(w[0] for w in parts).upper()


class TermIndex(NamedTuple):
    """Descriptor terms by normalised key, for every branch. Values are descriptor numbers:
    positions in ``uis`` (the vocabulary's UIs, in order), ascending."""

    uis: list[str]
    candidates: dict[Key, Ids]  # any term (number-merged keys too)
    preferred: dict[Key, Ids]  # preferred terms (number-merged keys too)
    literal: dict[Key, Ids]  # preferred terms whose key is their plain words
    unordered: dict[Key, Ids]  # candidates of 2+ words by their sorted words
    unordered_preferred: dict[Key, Ids]
    abbreviations: dict[str, Ids]  # upper-case terms ("STEMI"), as written
    initials: dict[str, Ids]  # initials of 3-6 word terms
    salts: dict[Key, Ids]  # preferred terms without their salt word
    organism_names: dict[Key, Ids]  # keys of organisms' (tree B) terms
    organism_keys: dict[int, list[Key]]  # each organism's keys, in term order


#: One supplementary record under a name: (record UI, name, numbers of its descriptors).
Entry = tuple[str, str, Ids]
#: Supplementary names are split into this many shards, ranges of keys in sorted order, each
#: decoded on first need: one look-up reads one shard, not 323,000 names.
SHARDS = 32


class SupplementaryIndex:
    """Supplementary names and synonyms by :func:`simple_key` → the records that have them,
    in the table's order. Only records mapped to a descriptor of the vocabulary are kept,
    with those descriptors as numbers (positions in :attr:`TermIndex.uis`).

    ``part(0)`` is the first key of each shard; ``part(n + 1)`` is shard ``n``.
    """

    def __init__(self, part: Callable[[int], Any]) -> None:
        self._part = part
        self._starts: list[str] = part(0)

    def get(self, key: str) -> tuple[Entry, ...] | None:
        """The records with this key, or None."""
        n = bisect.bisect_right(self._starts, key) - 1
        if n < 0:
            return None
        shard: dict[str, tuple[Entry, ...]] = self._part(n + 1)
        return shard.get(key)

    def keys(self) -> Iterator[str]:
        """Every key (reads every shard)."""
        for n in range(len(self._starts)):
            yield from self._part(n + 1)


def _add(table: dict[Any, list[int]], key: Any, n: int) -> None:
    found = table.get(key)
    if found is None:
        table[key] = [n]
    elif n not in found:
        found.append(n)


def _frozen(table: dict[Any, list[int]]) -> dict[Any, Ids]:
    return {k: tuple(sorted(v)) for k, v in table.items()}


def build_terms(vocab: MeshVocabulary) -> TermIndex:
    """The term index of a vocabulary (every descriptor, whatever its branch)."""
    uis: list[str] = []
    candidates: dict[Key, list[int]] = {}
    preferred: dict[Key, list[int]] = {}
    literal: dict[Key, list[int]] = {}
    abbreviations: dict[str, list[int]] = {}
    letters_of: dict[str, list[int]] = {}
    salts: dict[Key, list[int]] = {}
    organism_names: dict[Key, list[int]] = {}
    organism_keys: dict[int, list[Key]] = {}
    for n, d in enumerate(vocab.descriptors()):
        uis.append(d.ui)
        for term in (d.label, *d.entry_terms):
            if is_abbreviation(term):
                _add(abbreviations, term, n)
                continue
            for key in variants(term):
                _add(candidates, key, n)
                if term == d.label:
                    _add(preferred, key, n)
                    if key == tuple(_SIMPLE_WORD.findall(term.lower())):
                        _add(literal, key, n)
            letters = initials(term)
            if letters:
                _add(letters_of, letters, n)
        label_tokens = tokens(d.label)
        if len(label_tokens) >= 2 and label_tokens[-1] in SALTS:
            _add(salts, label_tokens[:-1], n)
        if any(tn.startswith("B") for tn in d.tree_numbers):
            keys = [key for term in (d.label, *d.entry_terms) for key in variants(term)]
            organism_keys[n] = keys
            for key in keys:
                _add(organism_names, key, n)
    for table in (candidates, preferred):
        for key, numbers in list(table.items()):
            merged = merge_numbers(key)
            if merged != key:
                for n in numbers:
                    _add(table, merged, n)
    unordered: dict[Key, list[int]] = {}
    unordered_preferred: dict[Key, list[int]] = {}
    for source, target in ((candidates, unordered), (preferred, unordered_preferred)):
        for key, numbers in source.items():
            if len(key) > 1:
                sorted_key = tuple(sorted(key))
                for n in numbers:
                    _add(target, sorted_key, n)
    return TermIndex(
        uis, _frozen(candidates), _frozen(preferred), _frozen(literal), _frozen(unordered),
        _frozen(unordered_preferred), _frozen(abbreviations), _frozen(letters_of),
        _frozen(salts), _frozen(organism_names), organism_keys,
    )


def build_supplementary(vocab: MeshVocabulary) -> list[Any]:
    """The supplementary index of a vocabulary (every record mapped to one of its
    descriptors) as parts: the shards' first keys, then the shards (one pass over the table)."""
    number = {d.ui: n for n, d in enumerate(vocab.descriptors())}
    names: dict[str, tuple[Entry, ...]] = {}
    for record in vocab.iter_supplementary():
        mapped = tuple(number[ui] for ui in record.mapped_to if ui in number)
        if not mapped:
            continue
        entry = (record.ui, record.name, mapped)
        seen: set[str] = set()
        for name in (record.name, *record.synonyms):
            key = simple_key(name)
            if key and key not in seen:
                seen.add(key)
                names[key] = (*names.get(key, ()), entry)
    keys = sorted(names)
    size = max(1, -(-len(keys) // SHARDS))
    shards = [{k: names[k] for k in keys[i : i + size]} for i in range(0, len(keys), size)]
    return [[keys[i] for i in range(0, len(keys), size)], *shards]
