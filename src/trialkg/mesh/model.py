"""The record model every MeSH source produces: descriptors and supplementary records.

>>> d = Descriptor("D018223", "Dermatofibrosarcoma", ("Dermatofibrosarcoma Protuberans",),
...                ("C04.557.450.565.590.350.320",))
>>> d.label
'Dermatofibrosarcoma'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SCR_KINDS", "Descriptor", "SupplementaryRecord"]

#: NLM's classes of supplementary concept records (``meshv:SCR_<kind>``).
SCR_KINDS = ("Chemical", "Disease", "Protocol", "Organism", "Anatomy", "Population")


class Descriptor(NamedTuple):
    """One MeSH descriptor (``D…``).

    ``entry_terms`` holds every term of every concept of the descriptor but the preferred one.
    ``earlier_terms`` names those of them that come from an earlier release than the
    vocabulary's own (:attr:`MeshVocabulary.earlier_release
    <trialkg.mesh.vocabulary.MeshVocabulary.earlier_release>`): the bundled MeSH 2025 takes
    its non-preferred concepts' terms from MeSH 2024.
    ``broader`` holds parents stated by the source itself (NLM RDF, SPARQL enrichment); the
    vocabulary adds the parents implied by tree numbers.
    """

    ui: str
    label: str
    entry_terms: tuple[str, ...] = ()
    tree_numbers: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    earlier_terms: tuple[str, ...] = ()


class SupplementaryRecord(NamedTuple):
    """One supplementary concept record (``C…``) and the descriptors it is mapped to.

    ``kind`` is one of :data:`SCR_KINDS` when the source says it (NLM XML and RDF do, the
    bundled table does not).

    Records are named tuples: 323,000 of them are built in a second, frozen dataclasses
    take three times as long.
    """

    ui: str
    name: str
    synonyms: tuple[str, ...] = ()
    mapped_to: tuple[str, ...] = ()
    kind: str | None = None
