"""A remote SPARQL 1.1 Protocol endpoint as a :class:`~trialkg.queries.run.Executor`.

Queries go through SPARQLWrapper (:func:`send_query`) as ``POST``
(``application/x-www-form-urlencoded``, so long queries with big ``VALUES`` blocks are fine),
by content negotiation alone: SELECT/ASK results are asked for as W3C SPARQL JSON and parsed
by pyoxigraph into the same objects the local engine returns; CONSTRUCT/DESCRIBE as Turtle
(or the RDF format the answer's ``Content-Type`` names), parsed by pyoxigraph. trialkg's
prefixes are declared in the text sent (a remote server does not know them).

Credentials, the timeout, TLS checks and retries are those of an
:class:`~trialkg.web.http.HttpClient`, as for ``push``: SPARQLWrapper sends each attempt,
and its exceptions (which carry the server's answer) become trialkg's errors.

The remote query runs against the server's DEFAULT graph. trialkg keeps its data in named
graphs, so the server must treat its default graph as the union of all named graphs:
``oxigraph serve --union-default-graph``; Apache Jena Fuseki/TDB2 ``tdb2:unionDefaultGraph
true`` in the dataset config; Stardog ``query.all.graphs=true``; Virtuoso, GraphDB and
Blazegraph (quads mode) already query all graphs when a query has no ``FROM``.
"""

from __future__ import annotations

import ast
import email.message
import io
import urllib.error
from collections.abc import Iterator, Mapping
from contextlib import closing

import pyoxigraph as ox
import SPARQLWrapper as sw
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from trialkg.exceptions import EndpointError, QueryError
from trialkg.web.config import Credentials, credentials_for, redact_url, strip_userinfo
from trialkg.web.http import USER_AGENT, HttpClient, HttpError, Response
from trialkg.web.sparql_text import query_form, with_prefixes

__all__ = ["AGENT", "RemoteEndpoint", "send_query"]

#: The User-Agent of queries: trialkg's, then SPARQLWrapper's own.
AGENT = f"{USER_AGENT} {sw.__agent__}"

#: The status each SPARQLWrapper exception stands for (it raises them for exactly these).
_STATUS: dict[type[SPARQLWrapperException], int] = {
    QueryBadFormed: 400,
    Unauthorized: 401,
    EndPointNotFound: 404,
    URITooLong: 414,
    EndPointInternalError: 500,
}


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

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Any query form, answered like ``pyoxigraph.Store.query`` (one-method executors)."""
        try:
            answer = send_query(self.client, self.url, with_prefixes(text))
        except HttpError as exc:
            if exc.status == 400:
                raise QueryError(f"the endpoint rejected the query: {exc.message}") from None
            raise
        if query_form(text) in ("CONSTRUCT", "DESCRIBE"):
            return _parse_rdf(answer)
        return _parse_results(answer.body)

    def select(self, text: str) -> ox.QuerySolutions:
        result = self.query(text)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError(f"not a SELECT query (a {query_form(text)} query)")
        return result

    def ask(self, text: str) -> bool:
        result = self.query(text)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError(f"not an ASK query (a {query_form(text)} query)")
        return bool(result)

    def construct(self, text: str) -> Iterator[ox.Triple]:
        result = self.query(text)
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            raise QueryError(f"not a CONSTRUCT or DESCRIBE query (a {query_form(text)} query)")
        return result


def send_query(
    client: HttpClient,
    url: str,
    text: str,
    *,
    method: str = sw.POST,
    parameters: Mapping[str, str] | None = None,
) -> Response:
    """One SPARQL query through SPARQLWrapper, with ``client``'s credentials, timeout, TLS
    checks and retries; SELECT/ASK results come as SPARQL JSON, CONSTRUCT/DESCRIBE as RDF.

    :param method: ``POST`` (a form) or ``GET`` (the query in the URL).
    :param parameters: more protocol parameters (an endpoint's own options).
    :raises QueryError: ``text`` is an update, or not SPARQL.
    :raises AuthenticationError: 401/403.
    :raises HttpError: any other error status (the server's text in ``message``).
    :raises EndpointError: the server cannot be reached or timed out.
    """
    form = query_form(text)
    wrapper = sw.SPARQLWrapper(strip_userinfo(url), agent=AGENT)
    wrapper.setQuery(text)
    # trialkg's reading of the form (it skips IRIs, strings and comments, and refuses
    # updates): SPARQLWrapper would send a text it takes for an update as `update=`.
    wrapper.queryType = form
    wrapper.setMethod(method)
    wrapper.setRequestMethod(sw.URLENCODED)
    wrapper.setOnlyConneg(True)  # the Accept header only, no format=/output= parameters
    wrapper.setReturnFormat(sw.TURTLE if form in ("CONSTRUCT", "DESCRIBE") else sw.JSON)
    # urlopen takes fractional seconds; setTimeout() would cut 0.5 to 0, which means none.
    wrapper.timeout = client.timeout  # type: ignore[assignment]
    for name, value in (parameters or {}).items():
        wrapper.addParameter(name, value)
    if client.credentials is not None:
        # One header for Basic and Bearer alike (setCredentials() knows no tokens, and sends
        # nothing for an empty password). Never print `wrapper`: its str() shows headers.
        wrapper.addCustomHttpHeader("Authorization", client.credentials.header())

    def once() -> Response:
        try:
            with client.urlopen_tls():
                result = wrapper.query()
            with closing(result.response) as resp:
                return Response(resp.status, resp.headers.get("Content-Type", ""), resp.read())
        except SPARQLWrapperException as exc:
            raise _as_http_error(exc, url) from None

    return client.retrying(once, url, what="query")


def _as_http_error(exc: SPARQLWrapperException, url: str) -> urllib.error.HTTPError:
    """The error answer SPARQLWrapper turned into ``exc``, as urllib raised it (with its body)."""
    status = _STATUS.get(type(exc), 500)
    _, marker, shown = str(exc).partition("\n\nResponse:\n")  # the body, as `%r` of bytes
    body = b""
    if marker:
        try:
            value = ast.literal_eval(shown)
        except (ValueError, SyntaxError):
            value = shown
        body = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return urllib.error.HTTPError(strip_userinfo(url), status, type(exc).__name__,
                                  email.message.Message(), io.BytesIO(body))


def _parse_rdf(answer: Response) -> Iterator[ox.Triple]:
    media = answer.content_type.split(";", 1)[0].strip().lower()
    fmt = (ox.RdfFormat.from_media_type(media) if media else None) or ox.RdfFormat.TURTLE
    try:
        triples = [q.triple for q in ox.parse(answer.body, format=fmt)]
    except SyntaxError as exc:
        raise EndpointError(f"the endpoint sent unreadable {fmt.name}: {exc}") from None
    return iter(triples)


def _parse_results(raw: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(raw, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        head = raw[:80].decode("utf-8", "replace")
        raise EndpointError(
            f"the endpoint did not answer with SPARQL JSON results ({exc}; starts {head!r})"
        ) from None
