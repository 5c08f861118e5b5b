"""OWL reasoning with owlready2 and HermiT: is the ontology consistent, and is the data?

HermiT runs once per check, on every ontology module plus one probe class per distinct set of
classes an individual of the data is typed with (its *type signature*): ``probe ≡ C1 ⊓ C2 …``.
With only ``rdf:type`` assertions in the data, an individual is consistent with the ontology
exactly when its signature's probe is satisfiable, so an unsatisfiable probe names every
individual that falls into disjoint classes — without one HermiT run per individual (the JVM
start alone takes seconds). HermiT needs Java; owlready2 ships HermiT itself.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import OWL, RDF
from rdflib.collection import Collection

from trialkg.exceptions import TrialKGError

__all__ = ["ReasonerError", "ReasoningResult", "check_owl", "ontology_graph"]

_PROBE = "https://w3id.org/trialkg/check#signature-"


class ReasonerError(TrialKGError, RuntimeError):
    """The reasoner cannot run (no Java, HermiT failed)."""


@dataclass
class ReasoningResult:
    """What HermiT found.

    ``consistent`` is False when the ontology itself is inconsistent (then nothing else is
    known); ``unsatisfiable`` lists the ontology's own classes equivalent to owl:Nothing;
    ``clashes`` maps a contradictory type signature to the individuals that carry it.
    """

    consistent: bool = True
    message: str = ""
    unsatisfiable: list[str] = field(default_factory=list)
    clashes: dict[tuple[str, ...], list[str]] = field(default_factory=dict)


def ontology_graph(paths: Iterable[Path] | None = None) -> rdflib.Graph:
    """Every ontology module merged into one rdflib graph."""
    from trialkg.resources import ontology_files

    graph = rdflib.Graph()
    for path in paths if paths is not None else ontology_files():
        graph.parse(path, format="turtle")
    # Modules import each other by IRI; all of them are merged here, so those imports are
    # satisfied and must not send the reasoner off to download them.
    declared = set(graph.subjects(rdflib.RDF.type, rdflib.OWL.Ontology))
    for module, target in list(graph.subject_objects(rdflib.OWL.imports)):
        if target in declared:
            graph.remove((module, rdflib.OWL.imports, target))
    return graph


def _signatures(types: Iterable[tuple[str, str]]) -> dict[tuple[str, ...], list[str]]:
    """Individuals grouped by the sorted tuple of their classes."""
    by_node: dict[str, set[str]] = defaultdict(set)
    for node, cls in types:
        by_node[node].add(cls)
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for node, classes in by_node.items():
        if len(classes) > 1:  # a single named class is checked by classifying the ontology
            groups[tuple(sorted(classes))].append(node)
    return {sig: sorted(nodes) for sig, nodes in sorted(groups.items())}


def check_owl(
    types: Iterable[tuple[str, str]] = (), ontology: rdflib.Graph | None = None
) -> ReasoningResult:
    """Run HermiT on the ontology and the data's ``(individual, class)`` type assertions.

    :raises ReasonerError: when HermiT cannot run (Java missing, reasoner crash).
    """
    import owlready2

    graph = rdflib.Graph()
    for triple in ontology if ontology is not None else ontology_graph():
        graph.add(triple)
    signatures = _signatures(types)
    probes: dict[str, tuple[str, ...]] = {}
    for n, sig in enumerate(signatures):
        probe = rdflib.URIRef(f"{_PROBE}{n}")
        probes[str(probe)] = sig
        members = rdflib.BNode()
        Collection(graph, members, [rdflib.URIRef(c) for c in sig])
        for c in sig:
            graph.add((rdflib.URIRef(c), RDF.type, OWL.Class))
        definition = rdflib.BNode()
        graph.add((definition, RDF.type, OWL.Class))
        graph.add((definition, OWL.intersectionOf, members))
        graph.add((probe, RDF.type, OWL.Class))
        graph.add((probe, OWL.equivalentClass, definition))

    fd, name = tempfile.mkstemp(suffix=".nt", prefix="trialkg-owl-")
    try:
        with os.fdopen(fd, "wb") as out:
            graph.serialize(out, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(Path(name).as_uri()).load()
        try:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasoningResult(consistent=False, message="HermiT: the ontology is inconsistent")
        except (OSError, owlready2.OwlReadyJavaError) as exc:
            raise ReasonerError(f"cannot run HermiT (is Java installed?): {exc}") from None
        result = ReasoningResult()
        for cls in world.inconsistent_classes():
            iri = getattr(cls, "iri", None)
            if not isinstance(iri, str) or iri == str(OWL.Nothing):
                continue
            if iri in probes:
                result.clashes[probes[iri]] = signatures[probes[iri]]
            else:
                result.unsatisfiable.append(iri)
        result.unsatisfiable.sort()
        world.close()
        return result
    finally:
        Path(name).unlink(missing_ok=True)
