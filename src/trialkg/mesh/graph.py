"""The MeSH named graph: the descriptors a store uses, their ancestors, and a roll-up.

Quads go into ``graph_iri("mesh")`` (``https://w3id.org/trialkg/graph/mesh``) and use NLM's own
predicates, so queries written against NLM's SPARQL endpoint work here too:

* descriptors: ``rdf:type meshv:TopicalDescriptor``, ``rdfs:label`` (NLM labels descriptors
  with ``rdfs:label``; ``meshv:prefLabel`` is for NLM's term resources, not descriptors),
  ``meshv:identifier``, ``meshv:treeNumber`` (a tree-number IRI, itself typed
  ``meshv:TreeNumber`` with its ``rdfs:label`` and ``meshv:parentTreeNumber``) and
  ``meshv:broaderDescriptor``;
* supplementary records (``C…``): ``rdf:type meshv:SCR_<kind>`` when the source says the kind,
  else ``meshv:SupplementaryConceptRecord``; ``rdfs:label``, ``meshv:identifier`` and
  ``meshv:mappedTo`` for each descriptor they map to (NLM's "heading mapped to", which is then
  included);
* ``tkg:rollsUpTo``: the reflexive-transitive closure of ``meshv:broaderDescriptor`` and of
  ``meshv:mappedTo``: a descriptor rolls up to itself and every ancestor, a supplementary
  record to itself, the descriptors it maps to and all their ancestors. So "trials about X or
  anything narrower" is the join ``?trial tkg:conditionMesh ?m . ?m tkg:rollsUpTo mesh:X``,
  and a trial linked only to a supplementary record (a drug NLM keeps as one) is found under
  the chemical or class its record maps to;
* the release: ``<https://w3id.org/trialkg/graph/mesh> owl:versionInfo "2025"``.

No blank nodes; quads come out sorted, so the same UIs give the same output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad

from trialkg.exceptions import MeshError
from trialkg.iris import MESH, MESHV, OWL, RDF, RDFS, TKG, graph_iri, normalise_mesh_id
from trialkg.mesh.model import SupplementaryRecord
from trialkg.mesh.vocabulary import MeshVocabulary

__all__ = ["GRAPH_LAYOUT", "MESH_GRAPH", "ROLLS_UP_TO", "mesh_graph_digest", "mesh_graph_quads"]

MESH_GRAPH = NamedNode(graph_iri("mesh"))
ROLLS_UP_TO = NamedNode(TKG + "rollsUpTo")

_TYPE = NamedNode(RDF + "type")
_LABEL = NamedNode(RDFS + "label")
_IDENTIFIER = NamedNode(MESHV + "identifier")
_TREE_NUMBER = NamedNode(MESHV + "treeNumber")
_TREE_NUMBER_CLASS = NamedNode(MESHV + "TreeNumber")
_PARENT_TREE = NamedNode(MESHV + "parentTreeNumber")
_BROADER = NamedNode(MESHV + "broaderDescriptor")
_MAPPED_TO = NamedNode(MESHV + "mappedTo")
_TOPICAL = NamedNode(MESHV + "TopicalDescriptor")
_SCR = NamedNode(MESHV + "SupplementaryConceptRecord")
_VERSION_INFO = NamedNode(OWL + "versionInfo")

#: Bump when the quads made for the same UIs change, so that a store's MeSH graph built by
#: an earlier trialkg is rebuilt (2: supplementary records roll up through their mapped
#: descriptors).
GRAPH_LAYOUT = "2"


def mesh_graph_digest(uis: Iterable[str]) -> str:
    """A digest of the used UIs (normalised, sorted) and of :data:`GRAPH_LAYOUT`: the MeSH graph
    of a store is rebuilt when it changes.

    >>> mesh_graph_digest(["D018223", "C000002"]) == mesh_graph_digest(["C000002", "D018223"])
    True
    """
    text = " ".join([f"layout-{GRAPH_LAYOUT}", *sorted(uis)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def _closure_set(
    uis: Iterable[str], vocab: MeshVocabulary
) -> tuple[set[str], dict[str, SupplementaryRecord]]:
    """The descriptors to describe (given, mapped-to and ancestors) and the C records."""
    descriptors: set[str] = set()
    wanted: set[str] = set()
    for raw in uis:
        ui = normalise_mesh_id(raw)
        if ui.startswith("C"):
            wanted.add(ui)
        elif ui.startswith("D"):
            descriptors.add(ui)
        else:
            raise MeshError(f"not a descriptor or supplementary id: {raw!r}")
    supplementary = vocab.supplementary_for(wanted) if wanted else {}
    for record in supplementary.values():
        descriptors.update(record.mapped_to)
    for ui in list(descriptors):
        descriptors |= vocab.ancestors(ui)
    return descriptors, supplementary


def mesh_graph_quads(uis: Iterable[str], vocab: MeshVocabulary) -> Iterator[Quad]:
    """Quads describing these MeSH records and every ancestor, sorted.

    A descriptor UI the vocabulary does not know gets only its reflexive ``tkg:rollsUpTo``
    (so a query for exactly that UI still finds it); ``trialkg mesh enrich`` fetches the rest.
    Unknown supplementary UIs are skipped. A supplementary record rolls up to itself, to the
    descriptors it maps to and to their ancestors.

    >>> from trialkg.mesh.model import Descriptor
    >>> vocab = MeshVocabulary([Descriptor("D009369", "Neoplasms", (), ("C04",)),
    ...                         Descriptor("D018223", "Dermatofibrosarcoma", (), ("C04.557",))],
    ...                        version="2025")
    >>> rolls = [q for q in mesh_graph_quads(["D000018223"], vocab) if q.predicate == ROLLS_UP_TO]
    >>> [(q.subject.value[-7:], q.object.value[-7:]) for q in rolls]
    [('D009369', 'D009369'), ('D018223', 'D009369'), ('D018223', 'D018223')]

    :raises MeshError: a UI is malformed, or is a qualifier (``Q…``) rather than a record.
    """
    descriptors, supplementary = _closure_set(uis, vocab)
    quads: set[Quad] = set()
    g = MESH_GRAPH

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        quads.add(Quad(s, p, o, g))

    for ui in descriptors:
        d = vocab.descriptor(ui)
        node = NamedNode(MESH + ui)
        add(node, ROLLS_UP_TO, node)
        if d is None:
            continue
        add(node, _TYPE, _TOPICAL)
        add(node, _IDENTIFIER, Literal(ui))
        for ancestor in vocab.ancestors(ui):
            add(node, ROLLS_UP_TO, NamedNode(MESH + ancestor))
        for parent in vocab.broader(ui):
            add(node, _BROADER, NamedNode(MESH + parent))
        if d.label:
            add(node, _LABEL, _en(d.label))
        for tn in d.tree_numbers:
            tree = NamedNode(MESH + tn)
            add(node, _TREE_NUMBER, tree)
            add(tree, _TYPE, _TREE_NUMBER_CLASS)
            add(tree, _LABEL, _en(tn))
            head, dot, _ = tn.rpartition(".")
            if dot:
                add(tree, _PARENT_TREE, NamedNode(MESH + head))
    for ui, record in supplementary.items():
        node = NamedNode(MESH + ui)
        add(node, _TYPE, NamedNode(MESHV + "SCR_" + record.kind) if record.kind else _SCR)
        add(node, _IDENTIFIER, Literal(ui))
        if record.name:
            add(node, _LABEL, _en(record.name))
        add(node, ROLLS_UP_TO, node)
        for target in record.mapped_to:
            add(node, _MAPPED_TO, NamedNode(MESH + target))
            for up in {target} | vocab.ancestors(target):
                add(node, ROLLS_UP_TO, NamedNode(MESH + up))
    add(g, _VERSION_INFO, Literal(vocab.version))
    yield from sorted(quads, key=str)
