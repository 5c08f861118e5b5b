"""Validate a store: SHACL shapes (pyshacl) and an OWL check (owlready2 + HermiT).

pyshacl validates one graph, so the union of every named graph of the store (ontology, MeSH,
studies, results, evidence) is loaded into one rdflib graph and validated against
``ontology/shapes.ttl``; the ontology in the union lets ``sh:class`` follow subclasses. The
OWL check runs HermiT on the ontology modules plus the ``rdf:type`` assertions of the data
(see :mod:`trialkg.validation.reasoning`). Every finding is collected, with a severity, before
one report.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from trialkg.iris import TKG
from trialkg.store import MESH_GRAPH, ONTOLOGY_GRAPH, TrialStore

__all__ = [
    "SEVERITIES",
    "Finding",
    "ValidationReport",
    "render_report",
    "run_owl",
    "run_shacl",
    "run_shacl_sparql",
    "store_graph",
    "validate_store",
]

#: Severities from worst to mildest (SHACL's own three).
SEVERITIES = ("Violation", "Warning", "Info")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_MESH_SHAPE = rdflib.URIRef("https://w3id.org/trialkg/shapes#MeshDescribed")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: how bad, where (focus node, path), what, and which check found it."""

    severity: str
    focus: str
    message: str
    path: str = ""
    value: str = ""
    check: str = "shacl"  # shacl or owl
    shape: str = ""


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.findings)
        return {s: found.get(s, 0) for s in SEVERITIES}

    @property
    def conforms(self) -> bool:
        """True when nothing is a violation (warnings and notes do not fail)."""
        return not any(f.severity == "Violation" for f in self.findings)

    def sorted(self) -> list[Finding]:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(self.findings, key=lambda f: (rank.get(f.severity, 9), f.focus, f.message))

    def to_json(self) -> dict[str, object]:
        return {
            "conforms": self.conforms,
            "counts": self.counts,
            "findings": [asdict(f) for f in self.sorted()],
        }


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # rdflib matches "x" only to plain literals
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triples are not supported: {term}")


def store_graph(store: TrialStore, graphs: Iterable[str] | None = None) -> rdflib.Graph:
    """The union of the store's named graphs (or of ``graphs``) as one rdflib graph."""
    out = rdflib.Graph()
    for q in store.quads(graphs):
        out.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    return out


def _shapes(check_mesh: bool) -> rdflib.Graph:
    from trialkg.resources import shapes_path

    shapes = rdflib.Graph().parse(shapes_path(), format="turtle")
    if not check_mesh:
        shapes.add((_MESH_SHAPE, SH.deactivated, rdflib.Literal(True)))
    return shapes


def _short(node: rdflib.term.Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.Literal):
        return str(node)
    if isinstance(node, rdflib.BNode):
        return "(path expression)"
    return str(node)


def run_shacl_sparql(store: TrialStore, *, check_mesh: bool = True,
                     progress: Callable[[int, int], None] | None = None) -> list[Finding]:
    """SHACL findings for the store, each constraint run as SPARQL inside Oxigraph
    (:mod:`trialkg.validation.sparql_shapes`); ``progress(done, total)`` after each."""
    from trialkg.iris import PREFIXES
    from trialkg.validation.sparql_shapes import compile_shapes, run_checks, subclasses_in

    checks = compile_shapes(_shapes(check_mesh), subclasses_in(store.store))
    done = 0

    def tick(_check: object) -> None:
        nonlocal done
        if progress is not None:
            progress(done, len(checks))
        done += 1

    found = run_checks(store.store, checks, PREFIXES, on_check=tick)
    if progress is not None:
        progress(len(checks), len(checks))
    return sorted({
        Finding(severity=v.check.severity, focus=v.focus, message=v.message,
                path=v.check.path, value=v.value, check="shacl", shape=v.check.shape)
        for v in found
    })


def run_shacl(data: rdflib.Graph, *, check_mesh: bool = True) -> list[Finding]:
    """SHACL findings for one graph (the union of the store's graphs), by pyshacl: the
    reference implementation, much slower than :func:`run_shacl_sparql` on a large store."""
    from pyshacl import validate

    _conforms, results, _text = validate(
        data, shacl_graph=_shapes(check_mesh), inference="none", advanced=True,
        allow_warnings=True,
    )
    assert isinstance(results, rdflib.Graph)
    findings = []
    for result in results.subjects(SH.resultSeverity, None):
        severity = results.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        findings.append(Finding(
            severity=str(severity).rsplit("#", 1)[-1],
            focus=_short(results.value(result, SH.focusNode)),
            message="; ".join(messages) or "constraint not met",
            path=_short(results.value(result, SH.resultPath)),
            value=_short(results.value(result, SH.value)),
            check="shacl",
            shape=_short(results.value(result, SH.sourceShape)),
        ))
    return sorted(set(findings))


def _types(store: TrialStore) -> list[tuple[str, str]]:
    """``(individual, class)`` for every rdf:type assertion outside the ontology graph."""
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    out = []
    # the default graph (the study records) and every named graph but the ontology
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)
    graphs = [ox.DefaultGraph(), *(g for g in store.store.named_graphs() if g != ontology)]
    for g in graphs:
        for q in store.store.quads_for_pattern(None, rdf_type, None, g):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                out.append((q.subject.value, q.object.value))
    return out


def run_owl(store: TrialStore) -> list[Finding]:
    """HermiT on the ontology modules and the data's type assertions."""
    from trialkg.validation.reasoning import check_owl

    result = check_owl(_types(store))
    if not result.consistent:
        return [Finding("Violation", "https://w3id.org/trialkg/vocab", result.message,
                        check="owl")]
    findings = [
        Finding("Violation", iri, "class is unsatisfiable (equivalent to owl:Nothing)",
                check="owl")
        for iri in result.unsatisfiable
    ]
    for signature, nodes in result.clashes.items():
        names = ", ".join(c[len(TKG):] if c.startswith(TKG) else c for c in signature)
        findings += [
            Finding("Violation", node, f"typed with classes that cannot hold together: {names}",
                    path="rdf:type", check="owl")
            for node in nodes
        ]
    return findings


def java_missing() -> bool:
    """True when the Java that HermiT (through owlready2) runs is not on the PATH."""
    import shutil

    import owlready2

    return shutil.which(str(owlready2.JAVA_EXE)) is None


def validate_store(store: TrialStore, *, owl: bool = True,
                   notify: Callable[[str], None] | None = None, engine: str = "sparql",
                   progress: Callable[[int, int], None] | None = None) -> ValidationReport:
    """Every finding of SHACL and (unless ``owl`` is False) the OWL check.

    SHACL runs as SPARQL in the store (``engine="sparql"``, the default) or through pyshacl
    on a copy of the store (``"pyshacl"``, the reference implementation). Without Java the
    OWL check is skipped and ``notify`` gets one line saying so; the SHACL part runs all
    the same. ``progress(done, total)`` follows the SHACL checks.
    """
    say = notify or (lambda _message: None)
    report = ValidationReport()
    has_mesh = store.has_graph(MESH_GRAPH)
    if not has_mesh:
        report.findings.append(Finding(
            "Warning", MESH_GRAPH,
            "no MeSH graph in the store: MeSH links were not checked", check="shacl",
        ))
    if engine == "pyshacl":
        report.findings += run_shacl(store_graph(store), check_mesh=has_mesh)
    else:
        report.findings += run_shacl_sparql(store, check_mesh=has_mesh, progress=progress)
    if owl and java_missing():
        say("warning: Java is not installed (no `java` on the PATH), so the OWL check "
            "(HermiT) was skipped; the SHACL checks ran (install a Java runtime, or pass "
            "--no-owl to silence this)")
    elif owl:
        say("running the OWL check (HermiT) ...")
        report.findings += run_owl(store)
    return report


def render_report(report: ValidationReport, fmt: str = "table") -> str:
    """The report as a table grouped by severity (people) or JSON (tools)."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    counts = report.counts
    lines = [
        ("conforms" if report.conforms else "does not conform")
        + ": " + ", ".join(f"{n} {s.lower()}{'s' if n != 1 else ''}" for s, n in counts.items())
    ]
    findings = report.sorted()
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines += ["", f"{severity} ({len(group)})"]
        width = min(max(len(f.focus) for f in group), 60)
        for f in group:
            where = f" [{f.path}]" if f.path else ""
            value = f" (value: {f.value})" if f.value else ""
            lines.append(f"  {f.focus:<{width}}  {f.check}: {f.message}{where}{value}")
    return "\n".join(lines)
