"""A MeSH vocabulary in memory: look-ups by UI, and the hierarchy from tree numbers.

>>> vocab = MeshVocabulary(
...     [Descriptor("D009369", "Neoplasms", (), ("C04",)),
...      Descriptor("D009370", "Neoplasms by Histologic Type", (), ("C04.557",)),
...      Descriptor("D018223", "Dermatofibrosarcoma", (), ("C04.557.450",))],
...     version="test")
>>> vocab.broader("D000018223")
{'D009370'}
>>> sorted(vocab.ancestors("D018223"))
['D009369', 'D009370']
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from trialkg.iris import normalise_mesh_id
from trialkg.mesh.model import Descriptor, SupplementaryRecord

__all__ = ["MeshVocabulary", "parent_tree_number"]


def parent_tree_number(tree_number: str) -> str | None:
    """The tree number one level up, or None at the top of a tree.

    >>> parent_tree_number("C04.557.450")
    'C04.557'
    >>> parent_tree_number("C04") is None
    True
    """
    head, dot, _ = tree_number.rpartition(".")
    return head if dot else None


class MeshVocabulary:
    """Descriptors and supplementary records of one MeSH release.

    Every method accepts any spelling of a UI that :func:`trialkg.iris.normalise_mesh_id`
    accepts (``D000003520`` is ``D003520``), and raises :class:`~trialkg.exceptions.MeshError`
    for text that is not a MeSH UI at all.

    Supplementary records may be given as a callable, called once on first use: the bundled
    table of 323,000 records takes about two seconds to read and most commands never need it.
    ``supplementary_lookup(uis)``, when given, reads only the records with these UIs, for
    :meth:`supplementary_for` while the whole table is not loaded.
    ``source`` names the directory or file read; empty for vocabularies built in memory.
    ``earlier_release`` names the release of descriptors' ``earlier_terms`` (the bundled
    MeSH 2025 takes the terms of non-preferred concepts from MeSH 2024), None without any.
    """

    def __init__(
        self,
        descriptors: Iterable[Descriptor],
        supplementary: Iterable[SupplementaryRecord]
        | Callable[[], Iterable[SupplementaryRecord]] = (),
        *,
        version: str,
        source: str = "",
        supplementary_lookup: Callable[[Collection[str]], Iterable[SupplementaryRecord]]
        | None = None,
        earlier_release: str | None = None,
    ) -> None:
        self.version = version
        self.earlier_release = earlier_release
        self.source = source
        self._descriptors: dict[str, Descriptor] = {d.ui: d for d in descriptors}
        self._supplementary_loader = supplementary if callable(supplementary) else None
        self._supplementary: dict[str, SupplementaryRecord] | None = (
            None if callable(supplementary) else {s.ui: s for s in supplementary}
        )
        self._supplementary_lookup = supplementary_lookup
        self._looked_up: dict[str, SupplementaryRecord | None] = {}
        self._by_tree: dict[str, str] = {}
        for d in self._descriptors.values():
            for tn in d.tree_numbers:
                self._by_tree[tn] = d.ui

    def __len__(self) -> int:
        return len(self._descriptors)

    def __contains__(self, ui: object) -> bool:
        return isinstance(ui, str) and normalise_mesh_id(ui) in self._descriptors

    def __repr__(self) -> str:
        return f"<MeshVocabulary MeSH {self.version}: {len(self)} descriptors>"

    def descriptors(self) -> Iterator[Descriptor]:
        """Every descriptor, in UI order."""
        for ui in sorted(self._descriptors):
            yield self._descriptors[ui]

    def descriptor(self, ui: str) -> Descriptor | None:
        """The descriptor with this UI, or None when this release does not have it."""
        return self._descriptors.get(normalise_mesh_id(ui))

    def descriptor_by_tree_number(self, tree_number: str) -> Descriptor | None:
        """The descriptor at a tree number (``C04.557``), or None."""
        ui = self._by_tree.get(tree_number)
        return None if ui is None else self._descriptors[ui]

    def broader(self, ui: str) -> set[str]:
        """UIs of the immediate parents: one per tree number, plus any the source stated."""
        d = self.descriptor(ui)
        if d is None:
            return set()
        out = {normalise_mesh_id(b) for b in d.broader}
        for tn in d.tree_numbers:
            parent = parent_tree_number(tn)
            if parent is not None and parent in self._by_tree:
                out.add(self._by_tree[parent])
        out.discard(d.ui)
        return out

    def ancestors(self, ui: str) -> set[str]:
        """UIs of every broader descriptor, transitively, excluding ``ui`` itself."""
        start = normalise_mesh_id(ui)
        seen: set[str] = set()
        todo = [start]
        while todo:
            for parent in self.broader(todo.pop()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        seen.discard(start)
        return seen

    def _supplementary_table(self) -> Mapping[str, SupplementaryRecord]:
        if self._supplementary is None:
            loader = self._supplementary_loader
            self._supplementary = {} if loader is None else {s.ui: s for s in loader()}
        return self._supplementary

    def supplementary(self, ui: str) -> SupplementaryRecord | None:
        """The supplementary concept record (``C…``) with this UI, or None."""
        return self._supplementary_table().get(normalise_mesh_id(ui))

    def supplementary_for(self, uis: Iterable[str]) -> dict[str, SupplementaryRecord]:
        """The supplementary records with these UIs that this release has, by UI.

        Without the whole table in memory, reads only those rows (one scan of the file for
        the UIs not looked up before) rather than all 323,000.
        """
        wanted = {normalise_mesh_id(ui) for ui in uis}
        if self._supplementary is None and self._supplementary_lookup is not None:
            missing = wanted.difference(self._looked_up)
            if missing:
                found = {s.ui: s for s in self._supplementary_lookup(missing)}
                self._looked_up.update({ui: found.get(ui) for ui in missing})
            return {ui: r for ui in wanted if (r := self._looked_up[ui]) is not None}
        table = self._supplementary_table()
        return {ui: table[ui] for ui in wanted if ui in table}

    def supplementary_records(self) -> Iterator[SupplementaryRecord]:
        """Every supplementary record, in UI order."""
        table = self._supplementary_table()
        for ui in sorted(table):
            yield table[ui]

    def iter_supplementary(self) -> Iterator[SupplementaryRecord]:
        """Every supplementary record in no set order, for one pass: a table not loaded yet
        is streamed and not kept (the linker's index needs no second copy of 323,000)."""
        if self._supplementary is None and self._supplementary_loader is not None:
            yield from self._supplementary_loader()
        else:
            yield from self._supplementary_table().values()

    def extended(self, descriptors: Iterable[Descriptor]) -> MeshVocabulary:
        """A new vocabulary with these descriptors added (they win over existing ones)."""
        merged = dict(self._descriptors)
        merged.update({d.ui: d for d in descriptors})
        supplementary: Iterable[SupplementaryRecord] | Callable[
            [], Iterable[SupplementaryRecord]
        ]
        if self._supplementary is not None:
            supplementary = list(self._supplementary.values())
        elif self._supplementary_loader is not None:
            supplementary = self._supplementary_loader
        else:
            supplementary = ()
        # no source: the result is not what any file holds (and must not share its caches)
        lookup = self._supplementary_lookup if self._supplementary is None else None
        return MeshVocabulary(merged.values(), supplementary, version=self.version,
                              supplementary_lookup=lookup, earlier_release=self.earlier_release)
