"""The members of a large zip archive, held compactly.

:class:`zipfile.ZipFile` keeps one :class:`~zipfile.ZipInfo` object per member for as long as
the archive is open: about 650 bytes each, so ClinicalTrials.gov's bulk download
(``ctg-studies.json.zip``, one member per study, about 600,000) holds some 380 MB for the
whole ingest. :class:`ZipMembers` copies what reading a member needs into one string and a
few arrays (about 70 bytes a member) and lets the archive's own objects go, then builds a
``ZipInfo`` for one member at a time.
"""

from __future__ import annotations

import zipfile
from array import array
from collections.abc import Iterator

__all__ = ["ZipMembers"]

#: What :meth:`zipfile.ZipFile.open` reads from a member's ``ZipInfo`` besides its name, and
#: the array type each is kept in.
_FIELDS = (("header_offset", "Q"), ("compress_size", "Q"), ("file_size", "Q"), ("CRC", "I"),
           ("compress_type", "H"), ("flag_bits", "H"))


class ZipMembers:
    """The archive's files whose names end with ``suffix``, in name order.

    Taking them empties the archive's own member list (``namelist()`` is empty afterwards);
    :meth:`read` and iteration still read every member, CRC-checked as usual.
    """

    def __init__(self, archive: zipfile.ZipFile, suffix: str = "") -> None:
        members = sorted(
            (m for m in archive.infolist() if not m.is_dir() and m.filename.endswith(suffix)),
            key=lambda m: m.filename,
        )
        self._archive = archive
        self._names = "".join(m.filename for m in members)
        self._ends = array("Q")
        end = 0
        for m in members:
            end += len(m.filename)
            self._ends.append(end)
        self._columns = {f: array(t, (getattr(m, f) for m in members)) for f, t in _FIELDS}
        del members
        archive.filelist = []
        archive.NameToInfo = {}

    def __len__(self) -> int:
        return len(self._ends)

    def info(self, n: int) -> zipfile.ZipInfo:
        """Member ``n`` (in name order) as a ``ZipInfo`` that :meth:`zipfile.ZipFile.read`
        accepts."""
        start = self._ends[n - 1] if n else 0
        info = zipfile.ZipInfo(self._names[start : self._ends[n]])
        for field, column in self._columns.items():
            setattr(info, field, column[n])
        return info

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        for n in range(len(self)):
            yield self.info(n)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes (:meth:`zipfile.ZipFile.read`)."""
        return self._archive.read(info)
