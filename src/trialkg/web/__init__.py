"""Talking to other servers: the HTTP and SPARQL-protocol clients every layer above may use.

* :mod:`~trialkg.web.http` — a polite HTTP client: retries, ``Retry-After``, one clear line
  per failure (used by the ClinicalTrials.gov API source and the MeSH lookups);
* :mod:`~trialkg.web.config` — which endpoint, with which credentials;
* :mod:`~trialkg.web.endpoint` — :class:`RemoteEndpoint`, a query executor over HTTP;
* :mod:`~trialkg.web.sparql_text` — a query text's form, and trialkg's prefixes spelled out.

It sits low, below ``mesh/`` and ``sources/``, which fetch from NLM and the registry; pushing
the store to a server and serving it are in ``remote/``.
"""

from __future__ import annotations

from trialkg.web.config import Credentials, credentials_for, resolve_endpoint
from trialkg.web.endpoint import RemoteEndpoint

__all__ = ["Credentials", "RemoteEndpoint", "credentials_for", "resolve_endpoint"]
