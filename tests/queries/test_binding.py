"""Where a parameter's VALUES block goes, and that it means what a constant in its place means."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from trialkg.queries.binding import values_offsets, with_values

E = "http://e/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for subject, predicate, obj in [
        ("t1", "sponsor", "o1"), ("t2", "sponsor", "o2"), ("t3", "sponsor", "o1"),
        ("t1", "mesh", "m1"), ("t2", "mesh", "m2"), ("t3", "mesh", "m3"),
        ("m2", "up", "m1"), ("t1", "drug", "d1"), ("t3", "drug", "d1"),
    ]:
        s.add(ox.Quad(ox.NamedNode(E + subject), ox.NamedNode(E + predicate),
                      ox.NamedNode(E + obj)))
    for org, label in (("o1", "Bayer AG"), ("o2", "Pfizer")):
        s.add(ox.Quad(ox.NamedNode(E + org), ox.NamedNode(E + "label"), ox.Literal(label)))
    return s


def rows(store: ox.Store, text: str) -> list[tuple[str, ...]]:
    result = store.query(f"PREFIX e: <{E}>\n{text}")
    assert isinstance(result, ox.QuerySolutions)
    names = result.variables
    return sorted(tuple("" if r[v] is None else str(r[v]) for v in names) for r in result)


def placed(text: str, name: str) -> list[str]:
    """The text right after each place the variable's VALUES goes."""
    return [text[at:].lstrip()[:12] for at in values_offsets(text, [name])[name]]


def test_outer_group_when_used_there() -> None:
    q = "SELECT ?t WHERE { ?t e:sponsor ?o . { ?o e:label ?l } FILTER(?o = ?org) }"
    assert placed(q, "org") == ["?t e:sponsor"]
    assert placed(q, "unused") == ["?t e:sponsor"]


def test_innermost_joined_group() -> None:
    q = ("SELECT ?t WHERE { ?t e:sponsor ?o .\n"
         "  { GRAPH <http://e/g> { ?o e:label ?l } FILTER(CONTAINS(?l, ?text)) } }")
    assert placed(q, "text") == ["GRAPH <http:"]
    q = "SELECT ?t WHERE { ?t e:sponsor ?o . GRAPH <http://e/g> { ?o e:label ?text } }"
    assert placed(q, "text") == ["?o e:label ?"]


@pytest.mark.parametrize("inner", [
    "OPTIONAL { ?t e:mesh ?m FILTER(?m = ?x) }",
    "MINUS { ?t e:mesh ?x }",
    "FILTER EXISTS { ?t e:mesh ?x }",
    "FILTER NOT EXISTS { ?t e:mesh ?x }",
    "{ SELECT ?t WHERE { ?t e:mesh ?x } }",
    "VALUES ?x { e:m1 }",
    "VALUES (?x ?y) { (e:m1 e:m2) }",
    "SERVICE <http://e/s> { ?t e:mesh ?x }",
    "SERVICE SILENT ?s { ?t e:mesh ?x }",
])
def test_never_into_optional_minus_exists_subquery_or_data(inner: str) -> None:
    q = f"SELECT ?t WHERE {{ ?t e:sponsor ?o . {inner} }}"
    assert placed(q, "x") == ["?t e:sponsor"]


@pytest.mark.parametrize("before", ["?o .", "?o", "e:o", "e:optional", "FILTER(?t != ?o)",
                                    "BIND(1 AS ?one)", "OPTIONAL { ?t e:mesh ?m }",
                                    "GRAPH ?g", "GRAPH <http://e/g>"])
def test_into_a_group_after(before: str) -> None:
    q = f"SELECT ?t WHERE {{ ?t e:sponsor {before} {{ ?t e:drug ?x }} }}"
    assert placed(q, "x") == ["?t e:drug ?x"]


def test_every_branch_of_a_union() -> None:
    q = ("SELECT ?t WHERE { ?t e:sponsor ?o . { ?t e:mesh ?x } UNION { ?t e:drug ?d }"
         " UNION { { ?t e:up ?x } } }")
    assert placed(q, "x") == ["?t e:mesh ?x", "?t e:drug ?d", "?t e:up ?x }"]


def test_into_a_subquery_that_projects_it_as_it_is() -> None:
    sub = "{ SELECT DISTINCT ?t ?x WHERE { ?t e:mesh ?x } ORDER BY ?t }"
    assert placed(f"SELECT ?t WHERE {{ ?t e:sponsor ?o . {sub} }}", "x") == ["?t e:mesh ?x"]
    union = f"SELECT ?t WHERE {{ {sub} UNION {{ ?t e:drug ?x }} }}"
    assert placed(union, "x") == ["?t e:mesh ?x", "?t e:drug ?x"]


@pytest.mark.parametrize("sub", [
    "SELECT ?t WHERE { ?t e:mesh ?x }",  # not projected
    "SELECT ?t (?m AS ?x) WHERE { ?t e:mesh ?m }",
    "SELECT * WHERE { ?t e:mesh ?x }",
    "SELECT ?t ?x WHERE { ?t e:mesh ?x } LIMIT 2",
    "SELECT ?t ?x WHERE { ?t e:mesh ?x } OFFSET 1",
    "SELECT ?x (COUNT(?t) AS ?n) WHERE { ?t e:mesh ?x } GROUP BY ?x",
    "SELECT ?t ?x WHERE { ?t e:mesh ?x } ORDER BY ?x",
])
def test_not_into_other_subqueries(sub: str) -> None:
    q = f"SELECT ?t WHERE {{ ?t e:sponsor ?o . {{ {sub} }} }}"
    assert placed(q, "x") == ["?t e:sponsor"]


def test_braces_in_strings_comments_and_iris_are_not_groups() -> None:
    q = ('SELECT ?t WHERE { # a comment { with braces\n'
         '  ?t e:sponsor ?o . { ?o e:label ?l FILTER(CONTAINS(?l, "}{") || ?l = ?x) } }')
    assert placed(q, "x") == ["?o e:label ?"]


def test_several_terms_and_several_parameters_in_one_group() -> None:
    text = with_values("SELECT * WHERE { ?a ?b ?c { ?c ?d ?e FILTER(?e != ?n) } }",
                       {"n": [ox.Literal("1"), ox.Literal("2")], "b": [ox.NamedNode(E + "p")],
                        "unbound": []})
    assert text == ('SELECT * WHERE { VALUES ?b { <http://e/p> } ?a ?b ?c {'
                    ' VALUES ?n { "1" "2" } ?c ?d ?e FILTER(?e != ?n) } }')


# The same rows as the query with the parameter written in as a constant: a FILTER in the group
# that holds the parameter sees it, in every branch of a UNION too.
CASES = [
    ("SELECT ?t ?l WHERE { { ?o e:label ?l FILTER(CONTAINS(?l, ?text)) } ?t e:sponsor ?o }",
     "text", ['"Bayer"', '"ayer"', '"x"']),
    ("SELECT ?t WHERE { ?t e:mesh ?m . { ?m e:up? ?c } }", "c", ["e:m1", "e:m2", "e:m9"]),
    ("SELECT ?t ?m WHERE { { { BIND(?c AS ?k) FILTER(BOUND(?k)) } ?m e:up? ?k . ?t e:mesh ?m }"
     " UNION { FILTER(!BOUND(?c)) ?t e:drug ?m } }", "c", ["e:m1", "e:m3", "e:d1"]),
    ("SELECT ?t WHERE { ?t e:sponsor ?o . OPTIONAL { ?t e:drug ?d FILTER(?d = ?x) } }",
     "x", ["e:d1", "e:d9"]),
]


@pytest.mark.parametrize(("query", "name", "values"), CASES)
def test_same_rows_as_a_constant(store: ox.Store, query: str, name: str,
                                 values: list[str]) -> None:
    for value in values:
        term = ox.Literal(value.strip('"')) if value.startswith('"') else \
            ox.NamedNode(E + value.removeprefix("e:"))
        constant = query.replace(f"BOUND(?{name})", "true").replace(f"?{name}", value)
        assert rows(store, with_values(query, {name: [term]})) == rows(store, constant)


def test_in_a_subquery_same_rows_as_outside(store: ox.Store) -> None:
    q = ("SELECT ?t (COUNT(*) AS ?n) WHERE {{ {values}"
         " {{ SELECT DISTINCT ?t ?c WHERE {{ ?t e:mesh/e:up? ?c }} }} ?t e:sponsor ?o }}"
         " GROUP BY ?t")
    for mesh in ("m1", "m2", "m9"):
        term = ox.NamedNode(E + mesh)
        inside = with_values(q.format(values=""), {"c": [term]})
        assert "DISTINCT ?t ?c WHERE { VALUES ?c" in inside
        assert rows(store, inside) == rows(store, q.format(values=f"VALUES ?c {{ <{E}{mesh}> }}"))
