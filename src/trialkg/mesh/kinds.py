"""What a string is about decides where in MeSH its links may go: the kinds of link.

A kind names the tree branches a link may go to and the branches that rule a descriptor
out. Both are tree-number prefixes, so the vocabulary decides: Placebos (``D26.660``) is
also a technique (``E02.785``) and no drug a trial gives; Automobiles (``J01``) and Rabbits
(``B01``) are outside chemicals and drugs altogether. A descriptor filed under Dosage Forms
(``D26.255``) and nowhere else names the form a preparation takes (Tablets, Capsules,
Ointments), not what is given, so drugs do not link to it ("Placebo Tablet" gives nothing);
one filed elsewhere too stays (Fat Emulsions, Intravenous is also a parenteral nutrition
solution, ``D27.505``).

>>> KINDS["intervention"].allows(("D26.660", "E02.785"))
False
>>> KINDS["condition"].allows(("C04.557.450",))
True
>>> KINDS["intervention"].allows(("D26.255.830",)), KINDS["all"].allows(("D26.255.830",))
(False, True)
>>> KINDS["intervention"].allows(("D26.255.165.260.270", "D27.505.954.578.733.500"))
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["DEFAULT_KIND", "KINDS", "LinkKind"]


class LinkKind(NamedTuple):
    """Tree-number prefixes a descriptor needs one of (None: any) and may have none of;
    ``exclude_only``: prefixes that rule it out when all its tree numbers are under them.
    ``abbreviations``: whether an upper-case word links as an abbreviation or initials
    ("NSCLC"); not for drugs, whose upper-case words are code names and regimens ("AZD4547",
    "ABC+3TC") or the targets a drug acts on ("FGFR Inhibitor AZD4547")."""

    name: str
    branches: tuple[str, ...] | None
    exclude: tuple[str, ...]
    summary: str
    exclude_only: tuple[str, ...] = ()
    abbreviations: bool = True

    def allows(self, tree_numbers: Iterable[str]) -> bool:
        """Whether a descriptor with these tree numbers may be linked."""
        numbers = tuple(tree_numbers)
        if self.exclude and any(tn.startswith(self.exclude) for tn in numbers):
            return False
        if self.exclude_only and numbers and all(
                tn.startswith(self.exclude_only) for tn in numbers):
            return False
        return self.branches is None or any(tn.startswith(self.branches) for tn in numbers)


#: Dosage Forms: a descriptor filed only here is a form, not a substance.
_DOSAGE_FORMS = ("D26.255",)

KINDS: dict[str, LinkKind] = {
    "condition": LinkKind(
        "condition", ("C", "F01", "F03"), (),
        "diseases (C), behaviour (F01: Depression, Anxiety) and mental disorders (F03)"),
    "intervention": LinkKind(
        "intervention", ("D",), ("E",),
        "chemicals and drugs (D), without those MeSH also files as techniques (E: Placebos) "
        "or only as dosage forms (D26.255: Tablets), and no abbreviations",
        exclude_only=_DOSAGE_FORMS, abbreviations=False),
    "any": LinkKind(
        "any", ("C", "F01", "F03", "D"), ("E",),
        "conditions and interventions together", exclude_only=_DOSAGE_FORMS),
    "all": LinkKind("all", None, (), "every descriptor, whatever its branch"),
}

#: What ``trialkg mesh link`` uses when not told: a disease or a drug, never an automobile.
DEFAULT_KIND = "any"
