"""Run a query text on any executor and write its answer in a W3C format (pyoxigraph writes).

SELECT/ASK answers: ``json`` (W3C SPARQL JSON), ``xml``, ``csv``, ``tsv``. CONSTRUCT/DESCRIBE
answers: any RDF format of :mod:`trialkg.formats` that holds triples (``turtle``,
``ntriples``, ``rdfxml``, ``jsonld``). From a :class:`~trialkg.remote.RemoteEndpoint`, SELECT
and ASK answers in the requested format are passed through as the server wrote them.

>>> from trialkg.executor import LocalExecutor
>>> from trialkg.store import TrialStore
>>> store = TrialStore.memory()
>>> _ = store.load_ontology()
>>> print(answer(LocalExecutor(store), "SELECT ?o { ?o a owl:Ontology }", "csv").decode())
o\r
https://w3id.org/trialkg/vocab\r
<BLANKLINE>
"""

from __future__ import annotations

import pyoxigraph as ox

from trialkg.exceptions import QueryError
from trialkg.executor import QueryExecutor, query_form
from trialkg.formats import FORMATS

__all__ = ["RESULT_FORMATS", "answer", "boolean_result", "default_format", "solutions"]

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {name: info.rdf_format for name, info in FORMATS.items() if not info.has_graphs}


def default_format(form: str) -> str:
    return "turtle" if form in ("CONSTRUCT", "DESCRIBE") else "json"


def answer(executor: QueryExecutor, text: str, fmt: str | None = None) -> bytes:
    """The answer to ``text`` from ``executor``, serialised in ``fmt``.

    :raises QueryError: the format does not fit the query form, or the query failed.
    """
    form = query_form(text)
    fmt = fmt or default_format(form)
    if form in ("CONSTRUCT", "DESCRIBE"):
        rdf = GRAPH_FORMATS.get(fmt)
        if rdf is None:
            raise QueryError(f"a {form} query gives triples: use one of "
                             f"{', '.join(sorted(GRAPH_FORMATS))}, not {fmt!r}")
        raw_rdf = getattr(executor, "raw_rdf", None)
        if raw_rdf is not None and rdf in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
            data: bytes = raw_rdf(text, rdf)
            return data
        triples = list(executor.construct(text))
        from trialkg.iris import PREFIXES

        prefixes = PREFIXES if rdf is ox.RdfFormat.TURTLE else None
        return ox.serialize(triples, format=rdf, prefixes=prefixes) or b""
    results = RESULT_FORMATS.get(fmt)
    if results is None:
        raise QueryError(f"a {form} query gives results: use one of "
                         f"{', '.join(RESULT_FORMATS)}, not {fmt!r}")
    raw = getattr(executor, "raw", None)
    if raw is not None:  # a remote endpoint: the server's own bytes
        passed: bytes = raw(text, results)
        return passed
    if form == "ASK":
        return boolean_result(executor.ask(text)).serialize(format=results) or b""
    return executor.select(text).serialize(format=results) or b""


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
