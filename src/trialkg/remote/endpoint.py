"""A remote SPARQL 1.1 Protocol endpoint as a :class:`~trialkg.queries.run.Executor`.

Queries go as ``POST`` (``application/x-www-form-urlencoded``, so long queries with big
``VALUES`` blocks are fine); SELECT/ASK results are asked for as W3C SPARQL JSON and parsed
by pyoxigraph into the same objects the local engine returns; CONSTRUCT/DESCRIBE as
N-Triples (Turtle accepted too), parsed by pyoxigraph. trialkg's prefixes are declared in the
text sent (a remote server does not know them).

The remote query runs against the server's DEFAULT graph. trialkg keeps its data in named
graphs, so the server must treat its default graph as the union of all named graphs:
``oxigraph serve --union-default-graph``; Apache Jena Fuseki/TDB2 ``tdb2:unionDefaultGraph
true`` in the dataset config; Stardog ``query.all.graphs=true``; Virtuoso, GraphDB and
Blazegraph (quads mode) already query all graphs when a query has no ``FROM``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pyoxigraph as ox

from trialkg.exceptions import EndpointError, QueryError
from trialkg.remote.config import Credentials, credentials_for, redact_url
from trialkg.remote.http import HttpClient, HttpError, Response
from trialkg.sparql_text import query_form, with_prefixes

__all__ = ["RESULT_MEDIA_TYPES", "RemoteEndpoint"]

#: Raw SELECT/ASK result formats by CLI name.
RESULT_MEDIA_TYPES: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"


class RemoteEndpoint:
    """A SPARQL endpoint at ``url``.

    >>> RemoteEndpoint("https://ann:pw@example.org/sparql", auth=Credentials.bearer("t0k"))
    RemoteEndpoint('https://***@example.org/sparql', timeout=60, retries=3, auth='bearer')

    :param auth: credentials; ``None`` looks them up (environment, URL, ~/.netrc);
        ``False`` sends none.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 60.0,
        retries: int = 3,
        auth: Credentials | bool | None = None,
        *,
        verify_tls: bool = True,
        backoff: float = 0.5,
    ) -> None:
        self.url = url
        if auth is None or auth is True:
            creds = credentials_for(url)
        elif auth is False:
            creds = None
        else:
            creds = auth
        self.client = HttpClient(timeout=timeout, retries=retries, backoff=backoff,
                                 credentials=creds, verify_tls=verify_tls)

    def __repr__(self) -> str:
        creds = self.client.credentials
        return (f"RemoteEndpoint({redact_url(self.url)!r}, timeout={self.client.timeout:g}, "
                f"retries={self.client.retries}, auth={creds.kind if creds else None!r})")

    # --- the executor interface -----------------------------------------------------------

    def select(self, text: str) -> ox.QuerySolutions:
        raw = self.raw(text, ox.QueryResultsFormat.JSON)
        result = _parse_results(raw, ox.QueryResultsFormat.JSON)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("not a SELECT query (the endpoint answered with a boolean)")
        return result

    def ask(self, text: str) -> bool:
        raw = self.raw(text, ox.QueryResultsFormat.JSON)
        result = _parse_results(raw, ox.QueryResultsFormat.JSON)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("not an ASK query (the endpoint answered with solutions)")
        return bool(result)

    def construct(self, text: str) -> Iterator[ox.Triple]:
        resp = self._post(text, _RDF_ACCEPT)
        media = resp.content_type.split(";", 1)[0].strip().lower()
        fmt = ox.RdfFormat.from_media_type(media) if media else None
        if fmt is None or fmt.supports_datasets:
            fmt = ox.RdfFormat.N_TRIPLES if media != "text/turtle" else ox.RdfFormat.TURTLE
        try:
            triples = [q.triple for q in ox.parse(resp.body, format=fmt)]
        except SyntaxError as exc:
            raise EndpointError(f"the endpoint sent unreadable {fmt.name}: {exc}") from None
        return iter(triples)

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Any query form, answered like ``pyoxigraph.Store.query`` (one-method executors)."""
        if query_form(text) in ("CONSTRUCT", "DESCRIBE"):
            return self.construct(text)
        return _parse_results(self.raw(text, ox.QueryResultsFormat.JSON),
                              ox.QueryResultsFormat.JSON)

    # --- raw results, for output as the server wrote them ------------------------------

    def raw(self, text: str, fmt: ox.QueryResultsFormat) -> bytes:
        """The SELECT/ASK results as bytes in ``fmt`` (W3C JSON, XML, CSV or TSV)."""
        return self._post(text, str(fmt.media_type)).body

    def raw_rdf(self, text: str, fmt: ox.RdfFormat) -> bytes:
        """The CONSTRUCT/DESCRIBE results as bytes in ``fmt``."""
        return self._post(text, str(fmt.media_type)).body

    def _post(self, text: str, accept: str) -> Response:
        body = urlencode({"query": with_prefixes(text)}).encode("utf-8")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": accept,
        }
        try:
            return self.client.request("POST", self.url, body=body, headers=headers,
                                       what="query")
        except HttpError as exc:
            if exc.status == 400:
                raise QueryError(f"the endpoint rejected the query: {exc.message}") from None
            raise


def _parse_results(raw: bytes, fmt: ox.QueryResultsFormat) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(raw, format=fmt)
    except (SyntaxError, ValueError) as exc:
        head = raw[:80].decode("utf-8", "replace")
        raise EndpointError(
            f"the endpoint did not answer with SPARQL JSON results ({exc}; starts {head!r})"
        ) from None
