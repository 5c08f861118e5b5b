"""The ``#+`` YAML header of a stored query, parsed and checked in one place.

A stored query is a plain SPARQL file whose leading comment lines starting with ``#+`` hold a
small YAML document (the grlc convention)::

    #+ summary: Trials by lead sponsor or collaborator
    #+ tags: [sponsor]
    #+ params:
    #+   - name: sponsor
    #+     type: string
    #+     required: true
    #+     description: Part of the organisation's name (case-insensitive).
    #+ example: trialkg query run trials-by-sponsor -p sponsor=AstraZeneca

>>> meta, body = split_header("#+ summary: x\\n#+ tags: [a]\\nSELECT * WHERE { }\\n")
>>> meta["summary"], meta["tags"], body.strip()
('x', ['a'], 'SELECT * WHERE { }')
"""

from __future__ import annotations

from typing import Any

__all__ = ["HEADER_KEYS", "REQUIRED_KEYS", "split_header"]

#: Keys a header must have.
REQUIRED_KEYS = ("summary", "description", "tags", "example")
#: Every key a header may have (``params`` may be absent for queries without parameters;
#: ``chart`` is a Vega-Lite view of the results, see :mod:`trialkg.queries.charts`).
HEADER_KEYS = (*REQUIRED_KEYS, "params", "chart")


def split_header(text: str) -> tuple[dict[str, Any], str]:
    """The header (a mapping) and the SPARQL text that follows it.

    Only the leading block of ``#+`` lines is the header; ``#+`` lines further down are left
    alone. The SPARQL part keeps its line breaks so error positions refer to the file's lines
    after the header.

    :raises ValueError: when the header is not a YAML mapping.
    """
    import yaml

    lines = text.splitlines(keepends=True)
    header: list[str] = []
    n = 0
    for n, line in enumerate(lines):  # noqa: B007 - n is used after the loop
        if line.startswith("#+"):
            header.append(line[2:].removeprefix(" "))
        elif line.strip() == "" and not header:
            continue
        else:
            break
    else:
        n = len(lines)
    try:
        meta = yaml.safe_load("".join(header)) if header else {}
    except yaml.YAMLError as exc:
        raise ValueError(f"the #+ header is not valid YAML: {exc}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ValueError("the #+ header must be a YAML mapping (key: value lines)")
    return meta, "".join(lines[n:])
