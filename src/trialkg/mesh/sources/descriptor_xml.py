"""NLM's descriptor XML (``descYYYY.xml``, ``<DescriptorRecordSet>``), streamed with iterparse.

Each ``<DescriptorRecord>`` gives UI, name, tree numbers and the strings of every term of every
concept (entry terms). Records are cleared as they are read, so the 300 MB release needs little
memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from trialkg.exceptions import MeshError
from trialkg.iris import normalise_mesh_id
from trialkg.mesh.model import Descriptor
from trialkg.mesh.sources.common import open_binary

__all__ = ["read_descriptor_xml"]

_YEAR = re.compile(r"desc(\d{4})", re.IGNORECASE)


def release_from_name(path: Path) -> str | None:
    """The MeSH year in an NLM file name (``desc2015.xml`` → ``2015``).

    >>> release_from_name(Path("desc2015-sample.xml"))
    '2015'
    """
    m = _YEAR.search(path.name)
    return m.group(1) if m else None


def _descriptor(elem: ET.Element, path: Path) -> Descriptor:
    ui_text = elem.findtext("DescriptorUI")
    label = elem.findtext("DescriptorName/String")
    if not ui_text or not label:
        raise MeshError(f"{path}: a DescriptorRecord lacks DescriptorUI or DescriptorName")
    ui = normalise_mesh_id(ui_text)
    label = label.strip()
    trees = tuple(t.text.strip() for t in elem.iterfind("TreeNumberList/TreeNumber") if t.text)
    terms: dict[str, None] = {}
    for s in elem.iterfind("ConceptList/Concept/TermList/Term/String"):
        if s.text and s.text.strip() != label:
            terms[s.text.strip()] = None
    return Descriptor(ui, label, tuple(terms), trees)


def read_descriptor_xml(path: Path, *, strict: bool = True) -> Iterator[Descriptor]:
    """Descriptors from an NLM descriptor XML file (plain, ``.gz`` or ``.xz``).

    With ``strict=False`` a file that ends early (a truncated download, or a sample cut
    at a line count) yields the records that were complete and stops quietly.

    :raises MeshError: not XML, not a DescriptorRecordSet, or truncated when ``strict``;
        the message names the file and the line.
    """
    with open_binary(path) as raw:
        events = ET.iterparse(raw, events=("start", "end"))
        try:
            _, root = next(events)
            if root.tag != "DescriptorRecordSet":
                raise MeshError(f"{path}: not NLM descriptor XML (root <{root.tag}>)")
            for event, elem in events:
                if event == "end" and elem.tag == "DescriptorRecord":
                    try:
                        record = _descriptor(elem, path)
                    except MeshError as exc:
                        if str(exc).startswith(str(path)):
                            raise
                        raise MeshError(f"{path}: {exc}") from None
                    yield record
                    root.clear()
        except ET.ParseError as exc:
            line, _col = exc.position
            if strict or line <= 1:
                reason = str(exc.msg).split(": line ")[0]
                raise MeshError(f"{path}, line {line}: malformed XML ({reason})") from None
        except StopIteration:
            raise MeshError(f"{path}: empty file") from None
