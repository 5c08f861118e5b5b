"""NLM's MeSH RDF as N-Triples (``mesh.nt``, ``mesh.nt.gz``, or a ``.nt`` inside a tarball).

Read line by line with pyoxigraph's N-Triples parser, keeping only what a vocabulary needs:
``rdfs:label``, ``meshv:identifier``, ``meshv:treeNumber`` (tree-number IRIs, whose last path
segment is the number), ``meshv:broaderDescriptor``, ``rdf:type``, ``meshv:mappedTo`` /
``meshv:preferredMappedTo`` and the labels of terms (``meshv:prefLabel``/``altLabel`` reached
through ``meshv:concept``/``preferredConcept`` → ``meshv:term``/``preferredTerm``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from trialkg.exceptions import MeshError
from trialkg.iris import MESH, MESHV, RDF, RDFS, normalise_mesh_id
from trialkg.mesh.model import SCR_KINDS, Descriptor, SupplementaryRecord
from trialkg.mesh.sources.common import open_binary

__all__ = ["read_mesh_nt"]

_DESCRIPTOR_CLASSES = {
    MESHV + c
    for c in ("TopicalDescriptor", "GeographicalDescriptor", "PublicationType", "CheckTag")
}
_SCR_CLASSES = {MESHV + "SCR_" + k: k for k in SCR_KINDS}
_KEEP = {
    RDFS + "label",
    RDF + "type",
    MESHV + "treeNumber",
    MESHV + "broaderDescriptor",
    MESHV + "mappedTo",
    MESHV + "preferredMappedTo",
    MESHV + "concept",
    MESHV + "preferredConcept",
    MESHV + "term",
    MESHV + "preferredTerm",
    MESHV + "prefLabel",
    MESHV + "altLabel",
}


def _local(iri: str) -> str | None:
    return iri[len(MESH) :] if iri.startswith(MESH) and "#" not in iri else None


def _read(path: Path) -> dict[str, dict[str, list[str]]]:
    facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with open_binary(path) as raw:
        try:
            for triple in ox.parse(raw, ox.RdfFormat.N_TRIPLES):
                p = triple.predicate.value
                if p not in _KEEP or not isinstance(triple.subject, ox.NamedNode):
                    continue
                s = _local(triple.subject.value)
                if s is None:
                    continue
                o = triple.object
                facts[s][p].append(o.value)
        except SyntaxError as exc:
            raise MeshError(f"{path}: not N-Triples: {exc}") from None
    return facts


def _ui(iri_or_id: str) -> str | None:
    local = _local(iri_or_id) or iri_or_id
    try:
        return normalise_mesh_id(local)
    except MeshError:
        return None


def read_mesh_nt(path: Path) -> tuple[list[Descriptor], list[SupplementaryRecord]]:
    """Descriptors and supplementary records from NLM MeSH N-Triples.

    :raises MeshError: unreadable file or bad N-Triples (pyoxigraph's message gives the line).
    """
    facts = _read(path)

    def term_labels(record: dict[str, list[str]]) -> list[str]:
        out: list[str] = []
        for concept in record[MESHV + "preferredConcept"] + record[MESHV + "concept"]:
            c = facts.get(_local(concept) or "", {})
            for term in c.get(MESHV + "preferredTerm", []) + c.get(MESHV + "term", []):
                t = facts.get(_local(term) or "", {})
                out += t.get(MESHV + "prefLabel", []) + t.get(MESHV + "altLabel", [])
        return out

    descriptors: list[Descriptor] = []
    supplementary: list[SupplementaryRecord] = []
    for subject in sorted(facts):
        record = facts[subject]
        types = set(record[RDF + "type"])
        labels = record[RDFS + "label"]
        label = labels[0] if labels else ""
        if types & _DESCRIPTOR_CLASSES:
            ui = _ui(subject)
            if ui is None:
                continue
            trees = tuple(sorted(t.rpartition("/")[2] for t in record[MESHV + "treeNumber"]))
            broader = tuple(sorted({b for b in map(_ui, record[MESHV + "broaderDescriptor"]) if b}))
            entries = tuple(dict.fromkeys(t for t in term_labels(record) if t != label))
            descriptors.append(Descriptor(ui, label, entries, trees, broader))
        elif kinds := [k for c, k in _SCR_CLASSES.items() if c in types]:
            ui = _ui(subject)
            if ui is None:
                continue
            mapped_iris = record[MESHV + "preferredMappedTo"] + record[MESHV + "mappedTo"]
            mapped = tuple(dict.fromkeys(m for m in map(_ui, mapped_iris) if m and m[0] == "D"))
            synonyms = tuple(dict.fromkeys(t for t in term_labels(record) if t != label))
            supplementary.append(SupplementaryRecord(ui, label, synonyms, mapped, kinds[0]))
    return descriptors, supplementary

