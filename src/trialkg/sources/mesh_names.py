"""MeSH headings by name: the legacy XML's browse terms (``<mesh_term>``) to MeSH UIs.

A browse ``mesh_term`` is the registry's own MeSH heading, written as its name. It is
looked up as an exact descriptor label first, then as an exact entry term (both
``method="exact"``), then as the exact name or synonym of a supplementary concept record
(``method="supplementary"``: the registry names drugs such as ``Olaparib`` by their
supplementary record);
names the vocabulary does not know (headings renamed since the record was written) go to
the free-text linker; a name nothing links to stays unlinked (the record still loads).

>>> term = resolve_heading("Fibromatosis, Aggressive")
>>> (term.ui, term.method) if term else None
('D018222', 'exact')
"""

from __future__ import annotations

import functools

from trialkg.mesh import Linker, MeshVocabulary, load_vocabulary
from trialkg.model import MeshTerm

__all__ = ["heading_index", "resolve_heading"]


def _vocabulary() -> MeshVocabulary:
    return load_vocabulary()  # cached by the MeSH package


@functools.lru_cache(maxsize=1)
def heading_index() -> dict[str, tuple[str, str]]:
    """Case-folded label or entry term -> (UI, preferred label); labels win over entry terms."""
    vocab = _vocabulary()
    index: dict[str, tuple[str, str]] = {}
    descriptors = list(vocab.descriptors())
    for d in descriptors:
        for entry in d.entry_terms:
            index.setdefault(entry.casefold(), (d.ui, d.label))
    for d in descriptors:
        index[d.label.casefold()] = (d.ui, d.label)
    return index


@functools.lru_cache(maxsize=1)
def supplementary_index() -> dict[str, tuple[str, str]]:
    """Case-folded supplementary record name or synonym -> (C UI, name); read on first use."""
    vocab = _vocabulary()
    index: dict[str, tuple[str, str]] = {}
    records = list(vocab.supplementary_records())
    for r in records:
        for synonym in r.synonyms:
            index.setdefault(synonym.casefold(), (r.ui, r.name))
    for r in records:
        index[r.name.casefold()] = (r.ui, r.name)
    return index


@functools.lru_cache(maxsize=1)
def _linker() -> Linker:
    return Linker(_vocabulary())


def resolve_heading(name: str) -> MeshTerm | None:
    """The MeSH descriptor a browse term names, or None when it cannot be linked."""
    text = " ".join(name.split())
    if not text:
        return None
    hit = heading_index().get(text.casefold())
    if hit is not None:
        ui, label = hit
        return MeshTerm(ui=ui, term=label, method="exact", matched_text=text)
    hit = supplementary_index().get(text.casefold())
    if hit is not None:
        ui, label = hit
        return MeshTerm(ui=ui, term=label, method="supplementary", matched_text=text)
    links = _linker().link(text)
    if not links:
        return None
    best = links[0]
    return MeshTerm(ui=best.ui, term=best.label, method=best.method,
                    matched_text=best.matched_text or text)
