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
``derived``
    with ``derived=True`` only: a word is the adjective of a one-word term ("Recurrent" →
    Recurrence, "Nephrotic" → Nephrosis, "Ulcerative" → Ulcer), as ClinicalTrials.gov's
    condition browse reads them, wherever the word stands.

"Carcinoma" ending a phrase that names no descriptor is read as "neoplasm", as MeSH's own
terms read "Breast Carcinoma" ("Bladder Carcinoma" → Urinary Bladder Neoplasms, not
Carcinoma alone). Upper-case words that are the initials of one descriptor's term ("NSCLC",
"OSA") link as ``abbreviation`` when no other descriptor's term has the same initials.

Only the whole meaning counts: a term inside a longer match is not linked on its own
("Pain" in "Low Back Pain"), and a descriptor broader than another one linked from the same
text is dropped (no Neoplasms beside Carcinoma, Non-Small-Cell Lung).

With ``branches`` that leave out organisms (tree B), an organism's name stands for the
infection it causes when MeSH has "<organism> Infection" as a term ("SARS-CoV-2" → COVID-19,
reported as ``exact`` or ``partial``).

Whole-text links win, in this order: exact, salt, supplementary; only without one are the
terms inside the text reported (partial, abbreviation). A term shared by several descriptors
links only to the one whose preferred term it is, or not at all. Indexes are built once per
:class:`Linker`; the supplementary index (323,000 names) on first need.

>>> from trialkg.mesh.load import load_vocabulary
>>> linker = Linker(load_vocabulary(), kind="all")
>>> [(x.ui, x.method) for x in linker.link("Desmoid")]
[('D018222', 'exact')]
>>> [(x.ui, x.label, x.method) for x in linker.link("abiraterone")]
[('D000069501', 'Abiraterone Acetate', 'salt')]
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from trialkg.mesh.kinds import KINDS, LinkKind
from trialkg.mesh.normalise import tokens, variants, words
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = ["METHODS", "Linker", "MeshLink"]

_T = TypeVar("_T")
#: Bump when the layout of the cached indexes changes.
_INDEX_FORMAT = 3
#: How many cached index sets to keep (per part) in a cache directory.
_KEEP_CACHES = 3

METHODS = ("exact", "partial", "abbreviation", "salt", "supplementary", "derived")

_MAX_WORDS = 12
_ABBREVIATION = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z][A-Z0-9]{1,7}$")
#: Salt and ester words that end a drug descriptor's name ("Imatinib Mesylate").
_SALTS = frozenset(
    "mesylate hydrochloride dihydrochloride hydrobromide sulfate sodium potassium calcium "
    "magnesium citrate maleate tartrate acetate phosphate bromide chloride fumarate succinate "
    "besylate tosylate malate lactate gluconate nitrate mesilate dimesylate bitartrate "
    "monohydrate hyclate".split()
)

#: Noun endings and the adjective endings derived from them ("recurrence" → "recurrent").
_ADJECTIVE_SUFFIXES = (
    ("ion", "ive"), ("ence", "ent"), ("ance", "ant"), ("osis", "otic"), ("asis", "atic"),
    ("ation", "ative"), ("", "ative"),
)
#: Head words too generic to report on their own when nested in a longer match.
_GENERIC_HEADS = frozenset({"disease", "disorder", "syndrome", "neoplasm", "condition"})


class MeshLink(NamedTuple):
    """One link from text to a descriptor, or to a supplementary concept record (``C…``)
    with the descriptors it is mapped to in ``mapped_to``."""

    ui: str
    label: str
    method: str
    matched_text: str
    mapped_to: tuple[str, ...] = ()


_SIMPLE_WORD = re.compile(r"[a-z0-9]+")


def _simple_key(text: str) -> str:
    return " ".join(_SIMPLE_WORD.findall(text.lower()))


def _merge_numbers(key: tuple[str, ...]) -> tuple[str, ...]:
    """A number joined to the word before it, as people write "COVID19" for "COVID-19".

    >>> _merge_numbers(("covid", "19")), _merge_numbers(("type", "2", "diabetes"))
    (('covid19',), ('type2', 'diabetes'))
    """
    out: list[str] = []
    for word in key:
        if out and word.isdigit() and out[-1].isalpha():
            out[-1] += word
        else:
            out.append(word)
    return tuple(out)


_INITIAL_WORD = re.compile(r"[A-Za-z0-9]+")
#: Words a term's initials skip ("Graft vs Host Disease" is GVHD, "Disorders of …" drop "of").
_SKIP_INITIAL = frozenset({"of", "the", "and", "in", "with", "to", "for", "by", "or"})


def _initials(term: str) -> str | None:
    """The upper-case initials of a term of three to six words, hyphenated parts counted
    ("Non-Small-Cell Lung Carcinoma" → NSCLC); None for shorter or inverted terms.

    >>> _initials("Obstructive Sleep Apnea"), _initials("Lung Neoplasms")
    ('OSA', None)
    """
    if "," in term:
        return None
    parts = [w for w in _INITIAL_WORD.findall(term) if w.lower() not in _SKIP_INITIAL]
    if not 3 <= len(parts) <= 6 or any(w.isdigit() for w in parts):
        return None
    return "".join(w[0] for w in parts).upper()


class _Hit(NamedTuple):
    start: int  # word index
    end: int
    ui: str
    method: str


def _resolve(candidates: dict[tuple[str, ...], set[str]],
             preferred: dict[tuple[str, ...], set[str]],
             literal: dict[tuple[str, ...], set[str]] | None = None,
             ) -> dict[tuple[str, ...], str]:
    """Keep a key when one descriptor owns it, or exactly one has it as preferred term, or
    of those exactly one's preferred term is the key as written (Fluorescein, not the
    Fluoresceins that normalise to the same key)."""
    out: dict[tuple[str, ...], str] = {}
    for key, uis in candidates.items():
        if len(uis) == 1:
            out[key] = next(iter(uis))
        else:
            owners = preferred.get(key, set()) & uis
            if len(owners) > 1 and literal is not None:
                owners &= literal.get(key, set())
            if len(owners) == 1:
                out[key] = next(iter(owners))
    return out


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
    ``supplementary`` allows links through supplementary records. With ``cache_dir`` the
    indexes (3 s and 4 s to build) are kept there between runs and read back in 0.1 s and
    0.4 s; the cache is keyed by the vocabulary's files, the options and this code.
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
        self._cache_stem = self._cache_stem_for(cache_dir)
        self._supplementary_index: dict[str, tuple[str, str, tuple[str, ...]]] | None = None
        self._ancestors: dict[str, set[str]] = {}
        (
            self._index,
            self._unordered,
            self._abbreviations,
            self._salts,
            self._pathogens,
            self._organisms,
            self._adjectives,
            self._initials,
        ) = self._cached("index", self._build)

    def _build(
        self,
    ) -> tuple[
        dict[tuple[str, ...], str],
        dict[tuple[str, ...], str],
        dict[str, str],
        dict[tuple[str, ...], str],
        dict[tuple[str, ...], str],
        frozenset[tuple[str, ...]],
        dict[str, str],
        dict[str, str],
    ]:
        vocab = self.vocab
        candidates: dict[tuple[str, ...], set[str]] = {}
        preferred: dict[tuple[str, ...], set[str]] = {}
        abbreviations: dict[str, set[str]] = {}
        salts: dict[tuple[str, ...], set[str]] = {}
        initials: dict[str, set[str]] = {}
        literal: dict[tuple[str, ...], set[str]] = {}
        for d in vocab.descriptors():
            if not self._allowed(d.tree_numbers):
                continue
            for term in (d.label, *d.entry_terms):
                if _ABBREVIATION.match(term):
                    abbreviations.setdefault(term, set()).add(d.ui)
                    continue
                for key in variants(term):
                    candidates.setdefault(key, set()).add(d.ui)
                    if term == d.label:
                        preferred.setdefault(key, set()).add(d.ui)
                        if key == tuple(_SIMPLE_WORD.findall(term.lower())):
                            literal.setdefault(key, set()).add(d.ui)
                letters = _initials(term)
                if letters:
                    initials.setdefault(letters, set()).add(d.ui)
            label_tokens = tokens(d.label)
            if len(label_tokens) >= 2 and label_tokens[-1] in _SALTS:
                salts.setdefault(label_tokens[:-1], set()).add(d.ui)
        for table in (candidates, preferred):
            for key, uis in list(table.items()):
                merged = _merge_numbers(key)
                if merged != key:
                    table.setdefault(merged, set()).update(uis)
        index = _resolve(candidates, preferred, literal)
        # the same words in any order ("Lung Non-Small Cell Carcinoma"), for 2+ word terms
        unordered: dict[tuple[str, ...], set[str]] = {}
        unordered_preferred: dict[tuple[str, ...], set[str]] = {}
        for key, uis in candidates.items():
            if len(key) > 1:
                unordered.setdefault(tuple(sorted(key)), set()).update(uis)
        for key, uis in preferred.items():
            if len(key) > 1:
                unordered_preferred.setdefault(tuple(sorted(key)), set()).update(uis)
        pathogens, organisms = (
            self._pathogen_index(vocab, index) if self._branches is not None else ({}, frozenset())
        )
        return (
            index,
            _resolve(unordered, unordered_preferred),
            {a: next(iter(u)) for a, u in abbreviations.items() if len(u) == 1},
            {k: next(iter(u)) for k, u in salts.items() if len(u) == 1 and k not in candidates},
            pathogens,
            organisms,
            self._adjective_index(index),
            {a: next(iter(u)) for a, u in initials.items() if len(u) == 1},
        )

    def _cache_stem_for(self, cache_dir: Path | None) -> Path | None:
        """Where this linker's indexes are cached: only for a vocabulary read from a
        directory, keyed by its files, the options and this code."""
        source = Path(self.vocab.source) if self.vocab.source else None
        if cache_dir is None or source is None or not source.is_dir():
            return None
        stamp: list[Any] = [_INDEX_FORMAT, str(source.resolve()), self.vocab.version,
                            self._branches, self.kind.exclude]
        for f in sorted(source.iterdir()):
            st = f.stat()
            stamp.append([f.name, st.st_size, st.st_mtime_ns])
        code = hashlib.sha256()
        for module in (__file__, Path(__file__).with_name("normalise.py"),
                       Path(__file__).with_name("kinds.py")):
            code.update(Path(module).read_bytes())
        stamp.append(code.hexdigest())
        digest = hashlib.sha256(json.dumps(stamp).encode("utf-8")).hexdigest()[:16]
        return cache_dir / "mesh" / f"linker-{digest}"

    def _cached(self, part: str, build: Callable[[], _T]) -> _T:
        """``build()``, or its result from the cache (marshal: plain data, never code)."""
        if self._cache_stem is None:
            return build()
        path = self._cache_stem.with_name(f"{self._cache_stem.name}-{part}.marshal")
        try:
            value: _T = marshal.loads(path.read_bytes())
            return value
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no cache yet, or an unreadable one: build again
        value = build()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            with open(fd, "wb") as stream:
                marshal.dump(cast(Any, value), stream)
            os.replace(tmp, path)
            # keep the newest few per part: each vocabulary, option set or code change adds one
            older = sorted(path.parent.glob(f"linker-*-{part}.marshal"),
                           key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for stale in older[_KEEP_CACHES:]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # a cache we cannot write only costs time
        return value

    @staticmethod
    def _pathogen_index(
        vocab: MeshVocabulary, index: dict[tuple[str, ...], str]
    ) -> tuple[dict[tuple[str, ...], str], frozenset[tuple[str, ...]]]:
        """Organism names (tree B, outside the allowed branches) → the infection they cause,
        when MeSH has "<any name of the organism> Infection" as a term ("SARS-CoV-2" →
        COVID-19, "Human Immunodeficiency Virus" → HIV Infections through "HIV"); and every
        organism name of two or more words, to tell a name's last word ("Virus" in "Human
        Immunodeficiency Virus") from a name on its own."""
        out: dict[tuple[str, ...], str] = {}
        names: set[tuple[str, ...]] = set()
        for d in vocab.descriptors():
            if not any(tn.startswith("B") for tn in d.tree_numbers):
                continue
            keys = [key for term in (d.label, *d.entry_terms) for key in variants(term)]
            names.update(key for key in keys if len(key) > 1)
            infection = next((ui for key in keys
                              if (ui := index.get((*key, "infection"))) is not None), None)
            if infection is not None:
                for key in keys:
                    if key not in index:
                        out.setdefault(key, infection)
        return out, frozenset(names)

    @staticmethod
    def _adjective_index(index: dict[tuple[str, ...], str]) -> dict[str, str]:
        """Adjectives formed from one-word terms → their descriptor ("aggressive" →
        Aggression), when the adjective is no term itself and names one descriptor only."""
        found: dict[str, set[str]] = {}
        for key, ui in index.items():
            if len(key) != 1 or len(key[0]) < 4:
                continue
            for noun_end, adjective_end in _ADJECTIVE_SUFFIXES:
                if key[0].endswith(noun_end):
                    stem = key[0][: len(key[0]) - len(noun_end)]
                    found.setdefault(stem + adjective_end, set()).add(ui)
        return {
            adjective: next(iter(uis))
            for adjective, uis in found.items()
            if len(uis) == 1 and (adjective,) not in index and adjective not in _GENERIC_HEADS
        }

    def _organism_tail(self, norm: tuple[str, ...], start: int, end: int) -> bool:
        """Whether ``norm[start:end]`` ends a longer organism name in the text."""
        return any(norm[k:end] in self._organisms for k in range(max(0, end - _MAX_WORDS), start))

    def _allowed(self, tree_numbers: Iterable[str]) -> bool:
        return self.kind.allows(tree_numbers)

    def _supplementary(self) -> dict[str, tuple[str, str, tuple[str, ...]]]:
        """Names of supplementary records → (record UI, name, descriptors), built on first
        need.

        Keys are lower-cased words only (no plural or spelling rules): 323,000 names are
        indexed in about a second that way, five times faster than with :func:`tokens`.
        """
        if self._supplementary_index is None:
            self._supplementary_index = self._cached("supplementary", self._build_supplementary)
        return self._supplementary_index

    def _build_supplementary(self) -> dict[str, tuple[str, str, tuple[str, ...]]]:
        index: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        ambiguous: set[str] = set()
        allowed = {d.ui for d in self.vocab.descriptors() if self._allowed(d.tree_numbers)}
        for record in self.vocab.iter_supplementary():
            targets = tuple(ui for ui in record.mapped_to if ui in allowed)
            if not targets:
                continue
            for name in (record.name, *record.synonyms):
                key = _simple_key(name)
                if not key:
                    continue
                if key in index and index[key][0] != record.ui:
                    ambiguous.add(key)
                index.setdefault(key, (record.ui, record.name, targets))
        for key in ambiguous:
            del index[key]
        return index

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
                if ui is None and j - i > 1 and window[-1] == "carcinoma":
                    ui = self._index.get((*window[:-1], "neoplasm"))  # "Bladder Carcinoma"
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
            original = text[spans[i][0] : spans[i][1]]
            if original in self._abbreviations:
                hits.append(_Hit(i, i + 1, self._abbreviations[original], "abbreviation"))
            elif original.isupper() and original.isalpha() and original in self._initials:
                hits.append(_Hit(i, i + 1, self._initials[original], "abbreviation"))
        if any(h.method == "exact" for h in hits):
            return self._choose(text, spans, hits)
        # the whole text as a drug's base name or a supplementary record's name is more
        # specific than any term found inside it ("acetyl arginine" is C000015, not Arginine)
        salt = self._salts.get(norm)
        if salt is not None:
            return self._choose(text, spans, [_Hit(0, n, salt, "salt")])
        if self._use_supplementary:
            found = self._supplementary().get(_simple_key(text))
            if found is not None:
                record_ui, name, targets = found
                matched = text[spans[0][0] : spans[-1][1]]
                return [MeshLink(record_ui, name, "supplementary", matched, targets)]
        if not hits and n > 1 and norm[-1] == "neoplasm" and ("neoplasm",) in self._index:
            # "Advanced Malignant Solid Neoplasm", "Solid Tumor": a neoplasm, nothing narrower
            hits = [_Hit(n - 1, n, self._index[("neoplasm",)], "partial")]
        return self._choose(text, spans, hits)

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
