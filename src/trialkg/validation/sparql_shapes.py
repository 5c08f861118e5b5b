"""SHACL shapes run as SPARQL inside Oxigraph: the store is never copied into rdflib.

pyshacl validates an rdflib graph, so checking a store meant copying every triple into
Python objects first and walking them there (2 min 17 s for 141 studies). This module
compiles each constraint of ``ontology/shapes.ttl`` into one SPARQL SELECT that returns the
focus nodes (and values) that break it, and runs it on the store with the union of the
named graphs as the default graph, as pyshacl saw them.

It covers the SHACL Core constraints the shapes use — targets (``sh:targetClass`` with
subclasses, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``), ``sh:property`` with an IRI
path or ``sh:alternativePath``, ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``,
``sh:class``, ``sh:nodeKind sh:IRI``, ``sh:pattern``, ``sh:minInclusive``,
``sh:maxInclusive``, ``sh:in``, ``sh:or`` (of datatypes, or of ``minCount`` property
shapes), ``sh:message``, ``sh:severity``, ``sh:deactivated`` — and SPARQL-based constraints
(``sh:sparql``). A shape using anything else is refused (:class:`UnsupportedShape`), so a
new constraint in shapes.ttl cannot be skipped silently.

>>> compile_shapes(_example_shapes())[0].message
'the study needs a status'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from trialkg.exceptions import TrialKGError

__all__ = ["Check", "UnsupportedShape", "Violation", "compile_shapes", "run_checks",
           "subclasses_in"]

_KNOWN = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property, SH.path,
          SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH.pattern,
          SH.minInclusive, SH.maxInclusive, SH["in"], SH["or"], SH.message, SH.severity,
          SH.deactivated, SH.sparql, SH.name, SH.description, SH.declare, SH.prefixes,
          SH.select, RDF.type}
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_SUBCLASS = f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<{RDFS_SUBCLASS}>*"


class UnsupportedShape(TrialKGError, ValueError):
    """A shape uses a SHACL feature this engine does not compile."""


@dataclass(frozen=True)
class Check:
    """One constraint as a query: rows of ``?this`` (and ``?value``) that break it."""

    shape: str
    path: str
    message: str
    severity: str
    query: str


@dataclass(frozen=True)
class Violation:
    check: Check
    focus: str
    value: str
    message: str


def _n3(term: rdflib.term.Node) -> str:
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return str(term.n3())
    raise UnsupportedShape(f"a blank node where a constant is expected: {term}")


def _list(shapes: rdflib.Graph, head: rdflib.term.Node) -> list[rdflib.term.Node]:
    return list(Collection(shapes, head))


def _path(shapes: rdflib.Graph, path: rdflib.term.Node) -> tuple[str, str]:
    """The SPARQL path and how a report names it (the IRI, or "(path expression)")."""
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>", str(path)
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is None:
        raise UnsupportedShape(f"path {path} is neither an IRI nor sh:alternativePath")
    return "|".join(_n3(p) for p in _list(shapes, alternatives)), "(path expression)"


#: The classes below a class (itself included), as the store's ontology says; None: let
#: each query follow rdfs:subClassOf* itself (slower on a large store).
Subclasses = Callable[[str], list[str]] | None


def _is_a(var: str, cls: rdflib.term.Node, subclasses: Subclasses) -> str:
    """A pattern: ``var`` is an instance of ``cls`` or of a subclass."""
    if subclasses is None:
        return f"{var} {_SUBCLASS} <{cls}> ."
    below = " ".join(f"<{c}>" for c in subclasses(str(cls))) or f"<{cls}>"
    kind = f"{var}Class"  # ?thisClass, ?valueClass: one each per query
    return f"VALUES {kind} {{ {below} }} {var} a {kind} ."


def _targets(shapes: rdflib.Graph, shape: rdflib.term.Node, subclasses: Subclasses
             ) -> list[str]:
    out = [_is_a("?this", c, subclasses) for c in shapes.objects(shape, SH.targetClass)]
    out += [f"?this <{p}> [] ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    out += [f"[] <{p}> ?this ." for p in shapes.objects(shape, SH.targetObjectsOf)]
    return out


def _severity(shapes: rdflib.Graph, shape: rdflib.term.Node, default: str = "Violation"
              ) -> str:
    value = shapes.value(shape, SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else default


def _message(shapes: rdflib.Graph, *shapes_in_order: rdflib.term.Node) -> str:
    for shape in shapes_in_order:
        messages = sorted(str(m) for m in shapes.objects(shape, SH.message))
        if messages:
            return "; ".join(messages)
    return "constraint not met"


def _check_known(shapes: rdflib.Graph, shape: rdflib.term.Node) -> None:
    for predicate in set(shapes.predicates(shape, None)):
        if predicate not in _KNOWN and not str(predicate).startswith(str(rdflib.RDFS)):
            raise UnsupportedShape(f"shape {shape} uses {predicate}, which trialkg's SPARQL "
                                   "validation does not compile")


def _value_conditions(shapes: rdflib.Graph, prop: rdflib.term.Node, subclasses: Subclasses
                      ) -> list[str]:
    """FILTER conditions true of a value ``?value`` that breaks the property shape."""
    out = []
    for dt in shapes.objects(prop, SH.datatype):
        out.append(f"(!isLITERAL(?value) || DATATYPE(?value) != <{dt}>)")
    for cls in shapes.objects(prop, SH["class"]):
        out.append(f"NOT EXISTS {{ {_is_a('?value', cls, subclasses)} }}")
    for kind in shapes.objects(prop, SH.nodeKind):
        if kind != SH.IRI:
            raise UnsupportedShape(f"sh:nodeKind {kind}")
        out.append("!isIRI(?value)")
    for pattern in shapes.objects(prop, SH.pattern):
        out.append(f"(isBLANK(?value) || !REGEX(STR(?value), {_n3(pattern)}))")
    for low in shapes.objects(prop, SH.minInclusive):
        out.append(f"!COALESCE(?value >= {_n3(low)}, false)")
    for high in shapes.objects(prop, SH.maxInclusive):
        out.append(f"!COALESCE(?value <= {_n3(high)}, false)")
    for members in shapes.objects(prop, SH["in"]):
        out.append(f"?value NOT IN ({', '.join(_n3(m) for m in _list(shapes, members))})")
    for alternatives in shapes.objects(prop, SH["or"]):
        kinds = [shapes.value(a, SH.datatype) for a in _list(shapes, alternatives)]
        if None in kinds:
            raise UnsupportedShape("sh:or on a property takes datatype alternatives only")
        allowed = ", ".join(f"<{k}>" for k in kinds)
        out.append(f"(!isLITERAL(?value) || DATATYPE(?value) NOT IN ({allowed}))")
    return out


def _property_checks(shapes: rdflib.Graph, shape: rdflib.term.Node, prop: rdflib.term.Node,
                     target: str, severity: str, subclasses: Subclasses) -> list[Check]:
    _check_known(shapes, prop)
    if shapes.value(prop, SH.deactivated) == rdflib.Literal(True):
        return []
    path_node = shapes.value(prop, SH.path)
    if path_node is None:
        raise UnsupportedShape(f"property shape {prop} has no sh:path")
    path, path_name = _path(shapes, path_node)
    message = _message(shapes, prop, shape)
    severity = _severity(shapes, prop, severity)
    name = str(prop) if isinstance(prop, rdflib.URIRef) else str(shape)
    checks = []

    def check(query: str) -> None:
        checks.append(Check(name, path_name, message, severity, query))

    least = shapes.value(prop, SH.minCount)
    if least is not None and int(str(least)) > 0:
        check(f"SELECT DISTINCT ?this WHERE {{ {target} "
              f"OPTIONAL {{ ?this {path} ?value }} }} GROUP BY ?this "
              f"HAVING (COUNT(DISTINCT ?value) < {int(str(least))})")
    most = shapes.value(prop, SH.maxCount)
    if most is not None:
        check(f"SELECT ?this WHERE {{ {target} ?this {path} ?value }} GROUP BY ?this "
              f"HAVING (COUNT(DISTINCT ?value) > {int(str(most))})")
    conditions = _value_conditions(shapes, prop, subclasses)
    if conditions:  # one pass over the values for every value constraint of the shape
        check(f"SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {path} ?value "
              f"FILTER({' || '.join(conditions)}) }}")
    return checks


def _node_or(shapes: rdflib.Graph, alternatives: rdflib.term.Node) -> str:
    """A node-level sh:or of "has at least one value of path P" shapes, as a condition
    true when every alternative fails."""
    parts = []
    for alt in _list(shapes, alternatives):
        path_node, least = shapes.value(alt, SH.path), shapes.value(alt, SH.minCount)
        if path_node is None or least is None or int(str(least)) != 1:
            raise UnsupportedShape("sh:or on a node takes [sh:path P ; sh:minCount 1] only")
        parts.append(f"NOT EXISTS {{ ?this {_path(shapes, path_node)[0]} [] }}")
    return " && ".join(parts)


def _sparql_check(shapes: rdflib.Graph, shape: rdflib.term.Node, constraint: rdflib.term.Node,
                  target: str, severity: str) -> Check:
    select = str(shapes.value(constraint, SH.select)).replace("$this", "?this")
    body = select[select.index("{") + 1:select.rindex("}")]
    head = select[:select.index("{")]
    variables = sorted(set(re.findall(r"\?(\w+)", head)) - {"this"})
    projected = " ".join(f"?{v}" for v in ["this", *variables])
    # the body joins the target in one group, so that its FILTERs see ?this (SHACL pre-binds
    # $this; a nested group would evaluate them before the join)
    query = f"SELECT DISTINCT {projected} WHERE {{ {target} {body} }}"
    return Check(str(shape), "", _message(shapes, constraint, shape),
                 _severity(shapes, constraint, severity), query)


def compile_shapes(shapes: rdflib.Graph, subclasses: Subclasses = None) -> list[Check]:
    """Every constraint of every active node shape, as a query.

    :raises UnsupportedShape: a shape uses a feature this engine does not compile.
    """
    checks: list[Check] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        _check_known(shapes, shape)
        if shapes.value(shape, SH.deactivated) == rdflib.Literal(True):
            continue
        severity = _severity(shapes, shape)
        for target in _targets(shapes, shape, subclasses):
            if shapes.value(shape, SH.nodeKind) == SH.IRI:
                checks.append(Check(str(shape), "", _message(shapes, shape), severity,
                                    f"SELECT DISTINCT ?this WHERE {{ {target} "
                                    "FILTER(!isIRI(?this)) }"))
            for prop in shapes.objects(shape, SH.property):
                checks += _property_checks(shapes, shape, prop, target, severity, subclasses)
            for alternatives in shapes.objects(shape, SH["or"]):
                checks.append(Check(str(shape), "", _message(shapes, shape), severity,
                                    f"SELECT DISTINCT ?this WHERE {{ {target} "
                                    f"FILTER({_node_or(shapes, alternatives)}) }}"))
            for constraint in shapes.objects(shape, SH.sparql):
                checks.append(_sparql_check(shapes, shape, constraint, target, severity))
    return checks


def subclasses_in(store: ox.Store) -> Callable[[str], list[str]]:
    """The classes below a class (itself included) in the store's union graph."""
    def below(cls: str) -> list[str]:
        rows = store.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS_SUBCLASS}>* <{cls}> }}",
                           use_default_graph_as_union=True)
        assert isinstance(rows, ox.QuerySolutions)
        found = sorted(_text(row[0]) for row in rows if isinstance(row[0], ox.NamedNode))
        return found or [cls]

    return below


def _text(term: object) -> str:
    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return str(term.value)
    return ""


def run_checks(store: ox.Store, checks: Iterable[Check], prefixes: dict[str, str],
               on_check: Callable[[Check], None] | None = None) -> list[Violation]:
    """Run every check on the store (named graphs as one default graph)."""
    out = []
    for check in checks:
        if on_check is not None:
            on_check(check)
        rows = store.query(check.query, prefixes=prefixes, use_default_graph_as_union=True)
        assert isinstance(rows, ox.QuerySolutions)
        names = [v.value for v in rows.variables]
        for row in rows:
            values = {n: row[n] for n in names}
            def fill(m: re.Match[str], v: dict[str, object] = values) -> str:
                return _text(v.get(m.group(1)))

            message = re.sub(r"\{[?$](\w+)\}", fill, check.message)
            focus = _text(values.get("this"))
            # a node-level constraint's value is the focus node itself (SHACL, as pyshacl)
            value = _text(values["value"]) if "value" in values else focus
            if check.path and "value" not in names:  # a count: no single value
                value = ""
            out.append(Violation(check, focus, value, message))
    return out


def _example_shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:Trial ;
            sh:property [ sh:path ex:status ; sh:minCount 1 ;
                          sh:message "the study needs a status" ] .
    """, format="turtle")
