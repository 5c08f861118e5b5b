"""Typed errors. Every error a user can cause is a :class:`TrialKGError`.

The CLI turns these into one line on stderr and a non-zero exit status; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ChartError",
    "EndpointError",
    "InputFormatError",
    "MeshError",
    "ParameterError",
    "QueryError",
    "RecordError",
    "RegistryError",
    "SearchError",
    "StoreError",
    "StoreLockedError",
    "TrialKGError",
    "UnknownQueryError",
    "UnknownStudyError",
    "shown",
]


def shown(value: object, limit: int = 80) -> str:
    """A value as quoted in an error message: its repr, cut to ``limit`` characters.

    >>> shown("x" * 100, limit=12)
    "'xxxxxxxx'… (100 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return text[: limit - 3] + "'…" + size


class TrialKGError(Exception):
    """Base class of every error trialkg reports to a user."""


class RecordError(TrialKGError, ValueError):
    """One input record cannot be read or mapped.

    ``source`` names the file, ``record`` the record within it (an NCT id or an index).
    """

    def __init__(self, message: str, *, source: str = "", record: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.record = record

    def __str__(self) -> str:
        where = self.source
        if self.record:
            where = f"{where} [{self.record}]" if where else f"[{self.record}]"
        return f"{where}: {self.message}" if where else self.message


class InputFormatError(RecordError):
    """A whole input file has a format trialkg does not read (not JSON, v1 API, bad zip...)."""


class StoreError(TrialKGError, OSError):
    """The store cannot be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class QueryError(TrialKGError, ValueError):
    """A SPARQL query is malformed or failed to run."""


class UnknownQueryError(QueryError, KeyError):
    """No stored query has the given name."""

    def __str__(self) -> str:  # KeyError quotes its message; we don't want that
        return str(self.args[0]) if self.args else ""


class ParameterError(QueryError):
    """A query parameter is missing or has a value of the wrong type."""


class MeshError(TrialKGError, ValueError):
    """A MeSH identifier, file or endpoint cannot be used."""


class EndpointError(TrialKGError, ConnectionError):
    """A remote SPARQL endpoint is unreachable or answered with an error."""


class AuthenticationError(EndpointError, PermissionError):
    """A remote endpoint refused our credentials (or wanted some)."""


class RegistryError(EndpointError):
    """The ClinicalTrials.gov API refused a request, or its answer could not be had or used.

    ``status`` is the HTTP status of an error answer (None for other failures).
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UnknownStudyError(RegistryError, LookupError):
    """The registry has no study with the given NCT id."""


class SearchError(TrialKGError, ValueError):
    """A full-text search cannot run: a malformed query, or no usable index."""


class ChartError(TrialKGError, ValueError):
    """A chart cannot be drawn: the query declares none, a bad spec, an unknown file type."""
