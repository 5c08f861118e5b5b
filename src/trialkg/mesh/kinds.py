"""What a string is about decides where in MeSH its links may go: the kinds of link.

A kind names the tree branches a link may go to and the branches that rule a descriptor
out. Both are tree-number prefixes, so the vocabulary decides: Placebos (``D26.660``) is
also a technique (``E02.785``) and no drug a trial gives; Automobiles (``J01``) and Rabbits
(``B01``) are outside chemicals and drugs altogether.

>>> KINDS["intervention"].allows(("D26.660", "E02.785"))
False
>>> KINDS["condition"].allows(("C04.557.450",))
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["DEFAULT_KIND", "KINDS", "LinkKind"]


class LinkKind(NamedTuple):
    """Tree-number prefixes a descriptor needs one of (None: any) and may have none of."""

    name: str
    branches: tuple[str, ...] | None
    exclude: tuple[str, ...]
    summary: str

    def allows(self, tree_numbers: Iterable[str]) -> bool:
        """Whether a descriptor with these tree numbers may be linked."""
        numbers = tuple(tree_numbers)
        if self.exclude and any(tn.startswith(self.exclude) for tn in numbers):
            return False
        return self.branches is None or any(tn.startswith(self.branches) for tn in numbers)


KINDS: dict[str, LinkKind] = {
    "condition": LinkKind(
        "condition", ("C", "F01", "F03"), (),
        "diseases (C), behaviour (F01: Depression, Anxiety) and mental disorders (F03)"),
    "intervention": LinkKind(
        "intervention", ("D",), ("E",),
        "chemicals and drugs (D), without those MeSH also files as techniques (E: Placebos)"),
    "any": LinkKind(
        "any", ("C", "F01", "F03", "D"), ("E",),
        "conditions and interventions together"),
    "all": LinkKind("all", None, (), "every descriptor, whatever its branch"),
}

#: What ``trialkg mesh link`` uses when not told: a disease or a drug, never an automobile.
DEFAULT_KIND = "any"
