"""Sharing the graph with other machines: push the store to a server, serve it as one.

* :mod:`trialkg.remote.push` — upload named graphs (Graph Store Protocol or SPARQL Update);
* :mod:`trialkg.remote.serve` — a read-only SPARQL endpoint and query page over the local graph;
* :mod:`trialkg.remote.stored` — the stored queries, bound and charted, as the server runs them.

The clients they use (HTTP, endpoint configuration, :class:`RemoteEndpoint`) are one layer
down in :mod:`trialkg.web`, and exported here too.
"""

from __future__ import annotations

from trialkg.web.config import Credentials, credentials_for, resolve_endpoint
from trialkg.web.endpoint import RemoteEndpoint

__all__ = ["Credentials", "RemoteEndpoint", "credentials_for", "resolve_endpoint"]
