"""Build pyoxigraph query results from Python values (for the SPARQL server's cut answers).

pyoxigraph serialises :class:`~pyoxigraph.QuerySolutions` and :class:`~pyoxigraph.QueryBoolean`
in every W3C results format but cannot build them from Python objects; these helpers do, by
way of W3C SPARQL JSON.
"""

from __future__ import annotations

import pyoxigraph as ox

__all__ = ["boolean_result", "solutions"]


def boolean_result(value: bool) -> ox.QueryBoolean:
    """An ASK answer pyoxigraph can serialise in every results format."""
    result = ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if value else b"false"),
                                    format=ox.QueryResultsFormat.JSON)
    assert isinstance(result, ox.QueryBoolean)
    return result


def solutions(variables: list[str], rows: list[ox.QuerySolution]) -> ox.QuerySolutions:
    """A :class:`pyoxigraph.QuerySolutions` holding exactly ``rows`` (e.g. the first N).

    pyoxigraph cannot build one from Python objects, so the rows go through W3C SPARQL JSON.

    >>> rows = list(ox.Store().query("SELECT ?x { VALUES ?x { 1 'a\\tb'@en <http://e/> } }"))
    >>> back = list(solutions(["x"], rows))
    >>> [r["x"] for r in back] == [r["x"] for r in rows]
    True
    """
    import orjson

    bindings = [
        {v: _json_term(term) for v in variables if (term := row[v]) is not None}
        for row in rows
    ]
    data = orjson.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}})
    result = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _json_term(term: object) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")
