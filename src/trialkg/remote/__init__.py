"""Beyond one machine: query a remote SPARQL endpoint, push the store to one, serve one.

* :mod:`trialkg.remote.endpoint` — :class:`RemoteEndpoint`, a query executor over HTTP
  (SPARQLWrapper);
* :mod:`trialkg.remote.push` — upload named graphs (Graph Store Protocol or SPARQL Update);
* :mod:`trialkg.remote.serve` — a read-only SPARQL endpoint and query page over the local graph.
"""

from __future__ import annotations

from trialkg.remote.config import Credentials, credentials_for, resolve_endpoint
from trialkg.remote.endpoint import RemoteEndpoint

__all__ = ["Credentials", "RemoteEndpoint", "credentials_for", "resolve_endpoint"]
