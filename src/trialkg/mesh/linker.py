"""Link free text (condition names, keywords, drug names) to MeSH descriptors.

How a link was found (:attr:`MeshLink.method`):

``exact``
    the whole text is a preferred or entry term of the descriptor, after normalisation
    (case, accents, punctuation and hyphens, possessives, British spellings, plurals, and
    inverted headings: "Aggressive Fibromatosis" is "Fibromatosis, Aggressive");
``partial``
    a term found inside longer text, longest match first, matches never overlapping
    ("recurrent or refractory aggressive fibromatosis" → Fibromatosis, Aggressive);
``abbreviation``
    an upper-case word of the text equals an abbreviation among the entry terms ("NSCLC"),
    case-sensitively, and only when that abbreviation belongs to one descriptor;
``salt``
    a drug's base name: the descriptor's preferred term without its salt or ester word
    ("abiraterone" → Abiraterone Acetate), only when no other descriptor has that name;
``supplementary``
    the whole text is the name (or a synonym) of a supplementary concept record: the link is
    the record's own ``C…`` UI, and :attr:`MeshLink.mapped_to` holds the descriptors NLM maps
    it to;
``shortened``
    the whole text (one to three words, nothing else found) is one descriptor's term without
    its head word: "Fever", "Disease", "Infection" or "Virus Infection" ("Chikungunya" →
    Chikungunya Fever);
``derived``
    with ``derived=True`` only: a word is the adjective of a one-word term ("Recurrent" →
    Recurrence, "Nephrotic" → Nephrosis, "Ulcerative" → Ulcer), as ClinicalTrials.gov's
    condition browse reads them, wherever the word stands.

"Carcinoma" ending a phrase that names no descriptor is read as "neoplasm", as MeSH's own
terms read "Breast Carcinoma" ("Bladder Carcinoma" → Urinary Bladder Neoplasms, not
Carcinoma alone), the organ named by any name of its anatomy descriptor ("Thyroid Gland
Carcinoma" → Thyroid Neoplasms); a conjunct before "and"/"or" takes the text's last word when
that gives a sibling of the last conjunct's link ("Breast and Ovarian Cancer" → Breast
Neoplasms too). Upper-case words that are the initials of one descriptor's term ("NSCLC",
"OSA") link as ``abbreviation`` when no other descriptor's term has the same initials.

Only the whole meaning counts: a term inside a longer match is not linked on its own
("Pain" in "Low Back Pain"), and a descriptor broader than another one linked from the same
text is dropped (no Neoplasms beside Carcinoma, Non-Small-Cell Lung).

With ``branches`` that leave out organisms (tree B), an organism's name stands for the
infection it causes when MeSH has "<organism> Infection" as a term ("SARS-CoV-2" → COVID-19,
reported as ``exact`` or ``partial``).

Whole-text links win, in this order: exact, salt, supplementary; only without one are the
terms inside the text reported (partial, abbreviation). A term shared by several descriptors
links only to the one whose preferred term it is, or not at all. The index is one for every
kind (:mod:`trialkg.mesh.linker_index`), shipped or cached (:mod:`trialkg.mesh.index_files`);
supplementary names are read on first need, a shard at a time.

>>> from trialkg.mesh.load import load_vocabulary
>>> linker = Linker(load_vocabulary(), kind="all")
>>> [(x.ui, x.method) for x in linker.link("Desmoid")]
[('D018222', 'exact')]
>>> [(x.ui, x.label, x.method) for x in linker.link("abiraterone")]
[('D000069501', 'Abiraterone Acetate', 'salt')]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from trialkg.mesh.index_files import load_supplementary, load_terms
from trialkg.mesh.kinds import KINDS, LinkKind
from trialkg.mesh.linker_index import SupplementaryIndex, simple_key
from trialkg.mesh.normalise import variants, words
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = ["METHODS", "Linker", "MeshLink"]

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

METHODS = ("exact", "partial", "abbreviation", "salt", "supplementary", "shortened", "derived")

_MAX_WORDS = 12

#: Noun endings and the adjective endings derived from them ("recurrence" → "recurrent").
_ADJECTIVE_SUFFIXES = (
    ("ion", "ive"), ("ence", "ent"), ("ance", "ant"), ("osis", "otic"), ("asis", "atic"),
    ("ation", "ative"), ("", "ative"),
)
#: Head words too generic to report on their own when nested in a longer match.
_GENERIC_HEADS = frozenset({"disease", "disorder", "syndrome", "neoplasm", "condition"})
#: Words that end a neoplasm's name ("cancer" and "tumor" are read as "neoplasm").
_NEOPLASM_WORDS = frozenset({"carcinoma", "neoplasm"})
_CONJUNCTIONS = frozenset({"and", "or"})
#: Head words a disease's name is used without ("Chikungunya" for Chikungunya Fever).
_ELIDED_HEADS = (("fever",), ("disease",), ("infection",), ("virus", "infection"))


class _Lookup(Generic[_K, _V]):
    """A read-only mapping whose values are worked out on first look-up and kept: the
    linker's kind-specific view of the shared index. ``known`` tells cheaply whether a key
    can have a value at all (most windows of a text have none)."""

    __slots__ = ("_known", "_memo", "_resolve")

    def __init__(self, known: Callable[[_K], bool], resolve: Callable[[_K], _V | None]) -> None:
        self._known = known
        self._resolve = resolve
        self._memo: dict[_K, _V | None] = {}

    def get(self, key: _K) -> _V | None:
        if not self._known(key):
            return None
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = self._resolve(key)
            return value

    def __contains__(self, key: _K) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: _K) -> _V:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value


class MeshLink(NamedTuple):
    """One link from text to a descriptor, or to a supplementary concept record (``C…``)
    with the descriptors it is mapped to in ``mapped_to``."""

    ui: str
    label: str
    method: str
    matched_text: str
    mapped_to: tuple[str, ...] = ()


class _Hit(NamedTuple):
    start: int  # word index
    end: int
    ui: str
    method: str


class Linker:
    """Links text to the descriptors of one vocabulary.

    ``kind`` (:data:`~trialkg.mesh.kinds.KINDS`: ``condition``, ``intervention``, ``any``,
    ``all``; default ``all``) sets the branches a link may go to and those that rule a
    descriptor out. ``branches``, when given, replaces the kind's branches: links go only to
    descriptors with a tree number under one of these prefixes (``("C", "F03")``).
    ``nested`` also reports a one-word term that is the head of a longer match ("Dermatitis"
    in "Atopic Dermatitis", "Carcinoma" in "Hepatocellular Carcinoma"), as a ``partial``
    link, unless it is a generic head (disease, disorder, syndrome, neoplasm, condition);
    ClinicalTrials.gov's condition browse reports such heads.
    ``supplementary`` allows links through supplementary records.

    The index (:mod:`trialkg.mesh.linker_index`) holds every branch at once and is shared
    by linkers of every kind; a linker keeps the descriptors its kind allows as it looks keys
    up. For the bundled vocabulary it ships with the package; for another one read from a
    directory it is built once (9 s) and kept in ``cache_dir``, keyed by the tables' content.
    """

    def __init__(
        self,
        vocab: MeshVocabulary,
        *,
        kind: str = "all",
        branches: Iterable[str] | None = None,
        supplementary: bool = True,
        nested: bool = False,
        derived: bool = False,
        cache_dir: Path | None = None,
    ) -> None:
        self.vocab = vocab
        base = KINDS[kind]
        self.kind = base if branches is None else LinkKind(
            "branches", tuple(branches), (), "the given branches")
        self._branches = self.kind.branches
        self._use_supplementary = supplementary
        self._nested = nested
        self._derived = derived
        self._cache_dir = cache_dir
        self._ancestors: dict[str, set[str]] = {}
        self._organ_memo: dict[tuple[str, ...], str | None] = {}
        terms = self._terms = load_terms(vocab, cache_dir)
        self._allows: list[bool | None] = [None] * len(terms.uis)
        self._supplementary_index: SupplementaryIndex | None = None
        candidates, abbreviations, initials = (
            terms.candidates, terms.abbreviations, terms.initials)
        self._index: _Lookup[tuple[str, ...], str] = _Lookup(
            candidates.__contains__,
            lambda key: self._pick(candidates[key], terms.preferred.get(key),
                                   terms.literal.get(key, ())))
        self._unordered: _Lookup[tuple[str, ...], str] = _Lookup(
            terms.unordered.__contains__,
            lambda key: self._pick(terms.unordered[key], terms.unordered_preferred.get(key)))
        self._abbreviations: _Lookup[str, str] = _Lookup(
            abbreviations.__contains__, lambda key: self._only(abbreviations[key]))
        self._initials: _Lookup[str, str] = _Lookup(
            initials.__contains__, lambda key: self._only(initials[key]))
        self._salts: _Lookup[tuple[str, ...], str] = _Lookup(
            terms.salts.__contains__, self._salt)
        # organisms stand for their infections only when a kind leaves tree B out
        organisms = terms.organism_names if self._branches is not None else {}
        self._organisms = organisms
        self._pathogens: _Lookup[tuple[str, ...], str] = _Lookup(
            organisms.__contains__, self._pathogen)
        self._supplementary_names: _Lookup[str, tuple[str, str, tuple[str, ...]]] = _Lookup(
            lambda key: self._supplementary().get(key) is not None, self._supplementary_record)
        self._adjective_table: dict[str, str] | None = None

    def _allowed_number(self, n: int) -> bool:
        """Whether the kind allows descriptor number ``n`` of the index (worked out once)."""
        ok = self._allows[n]
        if ok is None:
            d = self.vocab.descriptor(self._terms.uis[n])
            ok = self._allows[n] = d is not None and self.kind.allows(d.tree_numbers)
        return ok

    def _only(self, numbers: Iterable[int]) -> str | None:
        """The one allowed descriptor among these, or None (none, or several)."""
        allowed = [n for n in numbers if self._allowed_number(n)]
        return self._terms.uis[allowed[0]] if len(allowed) == 1 else None

    def _pick(self, numbers: Iterable[int], preferred: Iterable[int] | None,
              literal: Iterable[int] | None = None) -> str | None:
        """A key's descriptor: the one allowed descriptor that has it; else the one whose
        preferred term it is; else, of those, the one whose preferred term is the key as
        written (Fluorescein, not the Fluoresceins that normalise to the same key)."""
        allowed = [n for n in numbers if self._allowed_number(n)]
        if len(allowed) == 1:
            return self._terms.uis[allowed[0]]
        owners = [n for n in preferred or () if n in allowed]
        if len(owners) > 1 and literal is not None:
            owners = [n for n in owners if n in literal]
        return self._terms.uis[owners[0]] if len(owners) == 1 else None

    def _salt(self, key: tuple[str, ...]) -> str | None:
        """A drug's base name, when no allowed descriptor has it as a term of its own."""
        if any(self._allowed_number(n) for n in self._terms.candidates.get(key, ())):
            return None
        return self._only(self._terms.salts[key])

    def _pathogen(self, key: tuple[str, ...]) -> str | None:
        """An organism's name (tree B, outside the allowed branches) → the infection it
        causes, when MeSH has "<any name of the organism> Infection" as a term ("SARS-CoV-2"
        → COVID-19, "Human Immunodeficiency Virus" → HIV Infections through "HIV"); the
        first organism with that name, in UI order, that has such a term."""
        if key in self._index:
            return None
        for n in self._terms.organism_names[key]:
            for name in self._terms.organism_keys[n]:
                infection = self._index.get((*name, "infection"))
                if infection is not None:
                    return infection
        return None

    @property
    def _adjectives(self) -> dict[str, str]:
        """Adjectives formed from one-word terms → their descriptor ("aggressive" →
        Aggression), when the adjective is no term itself and names one descriptor only."""
        if self._adjective_table is None:
            found: dict[str, set[str]] = {}
            for key in self._terms.candidates:
                if len(key) != 1 or len(key[0]) < 4:
                    continue
                ui = self._index.get(key)
                if ui is None:
                    continue
                for noun_end, adjective_end in _ADJECTIVE_SUFFIXES:
                    if key[0].endswith(noun_end):
                        stem = key[0][: len(key[0]) - len(noun_end)]
                        found.setdefault(stem + adjective_end, set()).add(ui)
            self._adjective_table = {
                adjective: next(iter(uis))
                for adjective, uis in found.items()
                if len(uis) == 1 and (adjective,) not in self._index
                and adjective not in _GENERIC_HEADS
            }
        return self._adjective_table

    def _organism_tail(self, norm: tuple[str, ...], start: int, end: int) -> bool:
        """Whether ``norm[start:end]`` ends a longer organism name in the text."""
        return any(norm[k:end] in self._organisms for k in range(max(0, end - _MAX_WORDS), start))

    def _supplementary(self) -> SupplementaryIndex:
        """The supplementary names' index (323,000 names), read on first need."""
        if self._supplementary_index is None:
            self._supplementary_index = load_supplementary(self.vocab, self._cache_dir)
        return self._supplementary_index

    def _supplementary_record(self, key: str) -> tuple[str, str, tuple[str, ...]] | None:
        """(record UI, name, allowed descriptors) of the one supplementary record with an
        allowed descriptor that has this name or synonym; None when several have it."""
        found: tuple[str, str, tuple[str, ...]] | None = None
        for ui, name, numbers in self._supplementary().get(key) or ():
            targets = tuple(self._terms.uis[n] for n in numbers if self._allowed_number(n))
            if not targets:
                continue
            if found is None:
                found = (ui, name, targets)
            elif found[0] != ui:
                return None
        return found

    def link(self, text: str) -> list[MeshLink]:
        """Descriptors named in ``text``, in the order they appear; empty when none."""
        links = self._link_terms(text)
        if not self._derived:
            return links
        seen = {x.ui for x in links}
        for start, end, word in words(text):
            ui = self._adjectives.get(word)
            if ui is not None and ui not in seen:
                seen.add(ui)
                d = self.vocab.descriptor(ui)
                links.append(MeshLink(ui, d.label if d else "", "derived", text[start:end]))
        return links

    def _link_terms(self, text: str) -> list[MeshLink]:
        spans = words(text)
        norm = tuple(w for _, _, w in spans)
        n = len(norm)
        if n == 0:
            return []
        hits: list[_Hit] = []
        for i in range(n):
            for j in range(min(n, i + _MAX_WORDS), i, -1):
                window = norm[i:j]
                ui = self._index.get(window)
                if ui is None and j - i > 1 and window[-1] in _NEOPLASM_WORDS:
                    ui = self._organ_neoplasm(window[:-1])  # "Bladder Carcinoma"
                if ui is None:
                    ui = self._pathogens.get(window)
                    if ui is not None and self._organism_tail(norm, i, j):
                        ui = None  # "Virus" of "Human Immunodeficiency Virus" is no infection
                if ui is None and j - i == n > 1:  # word order is free for the whole text
                    ui = self._unordered.get(tuple(sorted(window)))
                if ui is not None and j - i < n:
                    if i > 0 and norm[i - 1] == "non":  # "Non-Small Cell …" is not "Small Cell …"
                        continue
                    if j - i == 1 and window[0] in _GENERIC_HEADS:
                        continue
                if ui is not None:
                    hits.append(_Hit(i, j, ui, "exact" if j - i == n else "partial"))
                    if not self._nested:
                        break  # the longest match starting at i
            if not self.kind.abbreviations:
                continue
            original = text[spans[i][0] : spans[i][1]]
            if original in self._abbreviations:
                hits.append(_Hit(i, i + 1, self._abbreviations[original], "abbreviation"))
            elif original.isupper() and original.isalpha() and original in self._initials:
                hits.append(_Hit(i, i + 1, self._initials[original], "abbreviation"))
        if any(h.method == "exact" for h in hits):
            return self._choose(text, spans, hits)
        hits += self._conjuncts(norm, hits)
        # the whole text as a drug's base name or a supplementary record's name is more
        # specific than any term found inside it ("acetyl arginine" is C000015, not Arginine)
        salt = self._salts.get(norm)
        if salt is not None:
            return self._choose(text, spans, [_Hit(0, n, salt, "salt")])
        if self._use_supplementary:
            found = self._supplementary_names.get(simple_key(text))
            if found is not None:
                record_ui, name, targets = found
                matched = text[spans[0][0] : spans[-1][1]]
                return [MeshLink(record_ui, name, "supplementary", matched, targets)]
        if not hits and n <= 3:
            ui = self._shortened(norm)
            if ui is not None:
                hits = [_Hit(0, n, ui, "shortened")]
        if not hits and n > 1 and norm[-1] == "neoplasm" and ("neoplasm",) in self._index:
            # "Advanced Malignant Solid Neoplasm", "Solid Tumor": a neoplasm, nothing narrower
            hits = [_Hit(n - 1, n, self._index[("neoplasm",)], "partial")]
        return self._choose(text, spans, hits)

    def _organ_neoplasm(self, organ: tuple[str, ...]) -> str | None:
        """The neoplasm of an organ named by ``organ`` ("Bladder" of "Bladder Carcinoma"):
        "<organ> neoplasm" as a term, else "<another name of the organ> neoplasm" for the
        organ's anatomy descriptor (tree A: "Thyroid Gland" is also "Thyroid", so "Thyroid
        Gland Carcinoma" is Thyroid Neoplasms), when the organ's names give one descriptor."""
        ui = self._index.get((*organ, "neoplasm"))
        if ui is not None or organ not in self._terms.candidates:
            return ui
        if organ not in self._organ_memo:
            found: set[str] = set()
            for n in self._terms.candidates[organ]:
                d = self.vocab.descriptor(self._terms.uis[n])
                if d is None or not any(t.startswith("A") for t in d.tree_numbers):
                    continue
                for term in (d.label, *d.entry_terms):
                    for key in variants(term):
                        other = self._index.get((*key, "neoplasm"))
                        if other is not None:
                            found.add(other)
            self._organ_memo[organ] = found.pop() if len(found) == 1 else None
        return self._organ_memo[organ]

    def _shortened(self, norm: tuple[str, ...]) -> str | None:
        """The one descriptor of which the whole text is a term without its head word
        ("Chikungunya" of "Chikungunya Fever" and "Chikungunya Virus Infection")."""
        found = {ui for head in _ELIDED_HEADS if (ui := self._index.get((*norm, *head)))}
        return found.pop() if len(found) == 1 else None

    def _conjuncts(self, norm: tuple[str, ...], hits: list[_Hit]) -> list[_Hit]:
        """Conjuncts sharing the text's last word ("Breast and Ovarian Cancer" is also Breast
        Cancer): a conjunct of one to three words before "and"/"or" links with that word
        when what it gives is a sibling of the last conjunct's link (both under one tree
        number two levels deep, neither above the other), so "Recurrent and Metastatic …"
        adds no Recurrence."""
        n = len(norm)
        last = [h for h in hits if h.end == n and h.end - h.start > 1]
        if n < 3 or not last or not any(w in _CONJUNCTIONS for w in norm[:-1]):
            return []
        right = max(last, key=lambda h: h.end - h.start)
        found: list[_Hit] = []
        start = 0
        for k, word in enumerate(norm[: right.start]):
            if word not in _CONJUNCTIONS:
                continue
            if 0 < k - start <= 3:
                left = norm[start:k]
                ui = (self._organ_neoplasm(left) if norm[-1] in _NEOPLASM_WORDS
                      else self._index.get((*left, norm[-1])))
                if ui is not None and self._siblings(ui, right.ui):
                    found.append(_Hit(start, k, ui, "partial"))
            start = k + 1
        return found

    def _siblings(self, a: str, b: str) -> bool:
        """Whether two descriptors share a tree number two levels deep and neither is the
        other's ancestor."""
        if a == b or a in self._ancestors_of(b) or b in self._ancestors_of(a):
            return False
        da, db = self.vocab.descriptor(a), self.vocab.descriptor(b)
        if da is None or db is None:
            return False
        stems = {".".join(t.split(".")[:2]) for t in da.tree_numbers if t.count(".") >= 1}
        return any(".".join(t.split(".")[:2]) in stems for t in db.tree_numbers)

    def _is_head(
        self, hit: _Hit, chosen: list[_Hit], norm: tuple[str, ...], inverted: set[int]
    ) -> bool:
        """A one-word term that is the head of a longer match, and not a generic head
        ("disease", "disorder", "syndrome", or "cancer"/"tumor" read as "neoplasm"): its last
        word; its first word before a comma ("Colitis, Ulcerative"); or its first word when
        the longer match is a narrower descriptor of it ("Hidradenitis Suppurativa" is under
        Hidradenitis). Not the head of a match with a negated modifier: "Non-Small-Cell Lung
        Carcinoma" is reported alone. ``inverted`` holds the words followed by a comma."""
        if hit.end - hit.start != 1 or norm[hit.start] in _GENERIC_HEADS:
            return False
        for c in chosen:
            if "non" in norm[c.start : c.end]:
                continue
            if c.start < hit.start and hit.end == c.end:
                return True
            if c.start == hit.start < hit.end < c.end and (
                hit.start in inverted or hit.ui in self.vocab.ancestors(c.ui)
            ):
                return True
        return False

    def _choose(
        self, text: str, spans: list[tuple[int, int, str]], hits: list[_Hit]
    ) -> list[MeshLink]:
        """Longest first, then leftmost; a word belongs to one match (but one match may
        give several descriptors, as a supplementary record mapped to two does)."""
        taken: set[int] = set()
        norm = tuple(w for _, _, w in spans)
        inverted = {
            k for k in range(len(spans) - 1)
            if text[spans[k][1] : spans[k + 1][0]].strip().startswith((",", "\uff0c"))
        }
        chosen: list[_Hit] = []
        inside: list[_Hit] = []
        for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
            covered = set(range(hit.start, hit.end))
            if covered & taken:
                if self._nested and self._is_head(hit, chosen, norm, inverted):
                    inside.append(hit._replace(method="partial"))
                continue
            taken |= covered
            chosen.append(hit)
        # no broader descriptor beside a more specific one (unless asked for nested heads)
        if not self._nested and len(chosen) > 1:
            broader = set().union(*(self._ancestors_of(h.ui) for h in chosen))
            chosen = [h for h in chosen if h.ui not in broader]
        chosen += inside
        out: list[MeshLink] = []
        seen: set[str] = set()
        for hit in sorted(chosen, key=lambda h: (h.start, h.ui)):
            if hit.ui in seen:
                continue
            seen.add(hit.ui)
            d = self.vocab.descriptor(hit.ui)
            matched = text[spans[hit.start][0] : spans[hit.end - 1][1]]
            out.append(MeshLink(hit.ui, d.label if d else "", hit.method, matched))
        return out

    def _ancestors_of(self, ui: str) -> set[str]:
        found = self._ancestors.get(ui)
        if found is None:
            found = self._ancestors[ui] = self.vocab.ancestors(ui)
        return found

    def link_many(self, texts: Iterable[str]) -> list[list[MeshLink]]:
        """:meth:`link` for each text."""
        return [self.link(t) for t in texts]
