"""Text normalisation shared by the linker's index and its input.

Both sides go through the same function, so a rule only has to make equal things equal:
case, accents, punctuation and hyphens, possessives, British spellings, plurals.

>>> tokens("Non-Small-Cell Lung Carcinomas")
('non', 'small', 'cell', 'lung', 'carcinoma')
>>> tokens("Haemophilia A; Still's disease, adult-onset")
('hemophilia', 'a', 'still', 'disease', 'adult', 'onset')
>>> variants("Fibromatosis, Aggressive")
[('fibromatosis', 'aggressive'), ('aggressive', 'fibromatosis')]
>>> variants("Leukemia, Myeloid, Acute")[-1]
('acute', 'myeloid', 'leukemia')
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["singular", "tokens", "variants", "words"]

_WORD = re.compile(r"[a-z0-9]+")
_POSSESSIVE = re.compile(r"(\w)['\u2019]s\b")
_BRITISH = (
    ("aemia", "emia"),
    ("haem", "hem"),
    ("aemat", "emat"),
    ("tumour", "tumor"),
    ("oedem", "edem"),
    ("oesophag", "esophag"),
    ("oestr", "estr"),
    ("paediat", "pediat"),
    ("orthopaed", "orthoped"),
    ("behaviour", "behavior"),
    ("ischaem", "ischem"),
    ("foetal", "fetal"),
    ("diarrhoea", "diarrhea"),
    ("anaesth", "anesth"),
    ("coeliac", "celiac"),
    ("sulph", "sulf"),
)
#: Words that mean the same in disease names ("Lung Cancer", "Brain Tumor": Neoplasms).
_SYNONYMS = {"cancer": "neoplasm", "tumor": "neoplasm"}
_KEEP_S = ("ss", "us", "is")


def singular(word: str) -> str:
    """A conservative singular: enough to make "tumors" meet "tumor", never clever.

    >>> [singular(w) for w in ("injuries", "diseases", "fibrosis", "virus", "neoplasms", "aids")]
    ['injury', 'disease', 'fibrosis', 'virus', 'neoplasm', 'aid']
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


_WORD_IN_TEXT = re.compile(r"[^\W_]+(?:['\u2019]s(?![^\W_]))?")


@functools.lru_cache(maxsize=1 << 18)
def _norm_word(word: str) -> str:
    folded = word.lower()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    if folded.endswith(("'s", "\u2019s")):
        folded = folded[:-2]
    folded = "".join(_WORD.findall(folded))
    for old, new in _BRITISH:
        if old in folded:
            folded = folded.replace(old, new)
    word = singular(folded)
    return _SYNONYMS.get(word, word)


def words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, normalised word)`` for each word of ``text``, offsets into ``text``.

    >>> words("Crohn's disease")
    [(0, 7, 'crohn'), (8, 15, 'disease')]
    """
    out: list[tuple[int, int, str]] = []
    for m in _WORD_IN_TEXT.finditer(text):
        norm = _norm_word(m.group(0))
        if norm:
            out.append((m.start(), m.end(), norm))
    return out


def tokens(text: str) -> tuple[str, ...]:
    """The normalised words of ``text`` (:func:`words` without offsets, three times faster)."""
    return tuple(w for w in map(_norm_word, _WORD_IN_TEXT.findall(text)) if w)


def variants(term: str) -> list[tuple[str, ...]]:
    """Token sequences under which a MeSH term is indexed: as written, and un-inverted.

    MeSH writes many headings inverted ("Fibromatosis, Aggressive", "Leukemia, Myeloid,
    Acute"); the natural order is the comma-separated parts reversed.
    """
    out = [tokens(term)]
    parts = [p for p in (p.strip() for p in term.split(",")) if p]
    if 1 < len(parts) <= 3:
        natural = tokens(" ".join(reversed(parts)))
        if natural not in out:
            out.append(natural)
    return [v for v in out if v]
