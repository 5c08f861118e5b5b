"""Linking at ingest: trialkg's own MeSH links for records that carry none of their own.

A record's MeSH is the registry's when it gives any for that side: a CT.gov JSON record's
``derivedSection`` browse lists, a legacy XML record's ``<condition_browse>`` /
``<intervention_browse>`` headings (written as names and resolved to their descriptors by
:mod:`trialkg.sources.mesh_names`: they are still the registry's headings), or a curated
record's ``condition_mesh`` / ``intervention_mesh`` (the registry's ancestors alone count
too). A legacy heading that no longer resolves to any MeSH record is no MeSH. A side without
any (a fresh CT.gov record with no ``derivedSection``, a legacy record without browse terms,
a curated record that lists no MeSH) is linked by :class:`~trialkg.mesh.linker.Linker` at
ingest, conditions and interventions separately:

* each condition string with the ``condition`` kind (diseases and mental disorders);
* each intervention's name with the ``intervention`` kind (chemicals and drugs); when the
  name links to nothing, its other names in order, the first that links. Interventions the
  record types as a procedure, device, behaviour or diagnostic test are no chemical or drug
  and are not linked ("Mohs surgery", "PET-MRI"); any other type, or none, is. ``abbreviation``
  links are not taken for interventions: a drug's code name starts with its maker's letters
  ("AKB-6548" is no Aurora Kinase B) and imaging names are initials ("PET-MRI").

Those links go under their own properties, ``tkg:conditionMeshLinked`` and
``tkg:interventionMeshLinked``, never ``tkg:conditionMesh`` / ``tkg:interventionMesh``, and
each has a ``tkg:MeshLink`` node with the linker's method, the matched text, the descriptor's
label, the string's index (``tkg:sourceIndex``, from 1) and the node of the string
(``tkg:linkedFrom``: the condition or the intervention). Its IRI is flat and deterministic:
``id/{trial}/mesh-link/{property}/{index}/{UI}``.

Curated additions to a registry trial (a record in its own ``curated/…`` graph) are not
linked: the trial's registry record carries its MeSH.

The mapping (:mod:`trialkg.mapping`) links every study it maps, so what it writes is what
the store holds, in the ingest's worker process as in the writer. The linkers are built once
per process, and only when a record needs one: records that all carry registry MeSH, and
unchanged records (skipped on their version before mapping), cost nothing more.

>>> from trialkg.model import Study
>>> study = Study("NCT00000001", conditions=["Atopic Dermatitis"])
>>> link_missing_mesh(study)
>>> [(t.ui, t.method, t.matched_text, t.index) for t in study.condition_mesh_linked]
[('D003876', 'exact', 'Atopic Dermatitis', 1)]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode

from trialkg.iris import RDF, TKG, XSD, id_iri, mesh_iri
from trialkg.model import MeshTerm, Study

if TYPE_CHECKING:
    from trialkg.mesh.linker import Linker

__all__ = ["LINKED_PROPERTIES", "link_missing_mesh", "linked_mesh_triples"]

#: The properties of trialkg's own links, by side (kept apart from the registry's).
LINKED_PROPERTIES = {"condition": "conditionMeshLinked",
                     "intervention": "interventionMeshLinked"}

_TYPE = NamedNode(RDF + "type")
_XSD_INTEGER = NamedNode(XSD + "integer")


@functools.cache
def _linker(kind: str) -> Linker:
    """The linker of one kind, built once per process (its indexes cached on disk)."""
    from trialkg.mesh import Linker, load_vocabulary
    from trialkg.mesh.paths import user_cache_dir

    return Linker(load_vocabulary(), kind=kind, cache_dir=user_cache_dir())


#: Intervention types whose names are not linked (the ``intervention`` kind is chemicals and
#: drugs), as API v2 codes; legacy spellings ("Procedure/Surgery", "Diagnostic Test") read
#: the same way (:func:`_type_code`).
_NOT_DRUGS = ("PROCEDURE", "DEVICE", "BEHAVIORAL", "DIAGNOSTIC_TEST")


def _type_code(value: str) -> str:
    """``Procedure/Surgery`` -> ``PROCEDURE_SURGERY``, ``Diagnostic Test`` -> ``DIAGNOSTIC_TEST``.

    >>> _type_code("Procedure/Surgery"), _type_code("DIAGNOSTIC_TEST")
    ('PROCEDURE_SURGERY', 'DIAGNOSTIC_TEST')
    """
    return re.sub(r"[^A-Z]+", "_", value.upper()).strip("_")

#: Linker methods not taken at ingest, by kind (see the module's rules).
_REFUSED = {"condition": frozenset[str](), "intervention": frozenset({"abbreviation"})}


def _terms(kind: str, index: int, texts: list[str]) -> list[MeshTerm]:
    """Links of the first of ``texts`` that links to anything, tagged with ``index``."""
    linker = _linker(kind)
    for text in texts:
        if not text.strip():
            continue
        links = [x for x in linker.link(text) if x.method not in _REFUSED[kind]]
        if links:
            return [MeshTerm(ui=x.ui, term=x.label or None, method=x.method,
                             matched_text=x.matched_text, index=index) for x in links]
    return []


def link_missing_mesh(study: Study) -> None:
    """Fill ``condition_mesh_linked`` / ``intervention_mesh_linked`` of a study for each side
    the record gives no MeSH for (see the module's rules); a side with MeSH is left as is."""
    study.condition_mesh_linked = []
    study.intervention_mesh_linked = []
    if study.graph:  # a curated addition: the registry record of its trial has the MeSH
        return
    if study.conditions and not (study.condition_mesh or study.condition_mesh_ancestors):
        study.condition_mesh_linked = [
            term for n, text in enumerate(study.conditions, start=1)
            for term in _terms("condition", n, [text])]
    if study.interventions and not (study.intervention_mesh
                                    or study.intervention_mesh_ancestors):
        study.intervention_mesh_linked = [
            term for n, iv in enumerate(study.interventions, start=1)
            if not (iv.type and _type_code(iv.type).startswith(_NOT_DRUGS))
            for term in _terms("intervention", n, [iv.name, *iv.other_names])]


Triple = tuple[NamedNode, NamedNode, NamedNode | Literal]


def linked_mesh_triples(trial: NamedNode, study: Study, key: str,
                        condition_iri: Callable[[str], str]) -> list[Triple]:
    """The triples of a study's trialkg links: the trial's ``tkg:…MeshLinked`` and one
    ``tkg:MeshLink`` node per string and descriptor. ``key`` is the first segment of the
    record's own node IRIs (:func:`trialkg.mapping.node_key`), ``condition_iri`` gives a
    condition's node from its text (:func:`trialkg.mapping.condition_iri`)."""
    out: list[Triple] = []
    sides = (("condition", study.condition_mesh_linked),
             ("intervention", study.intervention_mesh_linked))
    for side, terms in sides:
        prop = NamedNode(TKG + LINKED_PROPERTIES[side])
        for term in terms:
            index = term.index or 0
            target = NamedNode(mesh_iri(term.ui))
            link = NamedNode(id_iri(key, "mesh-link", LINKED_PROPERTIES[side], index, term.ui))
            source = (NamedNode(condition_iri(study.conditions[index - 1]))
                      if side == "condition" else NamedNode(id_iri(key, "intervention", index)))
            out += [
                (trial, prop, target),
                (trial, NamedNode(TKG + "meshLink"), link),
                (link, _TYPE, NamedNode(TKG + "MeshLink")),
                (link, NamedNode(TKG + "linkProperty"), prop),
                (link, NamedNode(TKG + "mesh"), target),
                (link, NamedNode(TKG + "linkMethod"), Literal(term.method)),
                (link, NamedNode(TKG + "matchedText"), Literal(term.matched_text or "")),
                (link, NamedNode(TKG + "sourceIndex"),
                 Literal(str(index), datatype=_XSD_INTEGER)),
                (link, NamedNode(TKG + "linkedFrom"), source),
            ]
            if term.term:
                out.append((link, NamedNode(TKG + "meshLabel"), Literal(term.term)))
    return out
