"""Which endpoint, with which credentials: options, environment, config file, ~/.netrc.

Endpoint URL, first found wins: the command's ``--endpoint``, ``$TRIALKG_ENDPOINT``, then
``endpoint = "…"`` in ``$XDG_CONFIG_HOME/trialkg/config.toml`` (``~/.config/…``). The push
command reads the Graph Store URL the same way from ``--endpoint``,
``$TRIALKG_STORE_ENDPOINT`` and ``store_endpoint = "…"``.

Credentials, first found wins: ``$TRIALKG_ENDPOINT_TOKEN`` (HTTP Bearer),
``$TRIALKG_ENDPOINT_USER`` + ``$TRIALKG_ENDPOINT_PASSWORD`` (HTTP Basic), then the
``machine`` entry of ``~/.netrc`` (``$NETRC``) for the endpoint's host (Basic). They are never
printed: :class:`Credentials` redacts itself and :func:`redact` scrubs them from any text.

>>> c = Credentials.basic("ann", "s3cret")
>>> c
Credentials(kind='basic', user='ann', secret=<redacted>)
>>> "s3cret" in redact(f"echo {c.header()} s3cret", c)
False
>>> redact_url("https://ann:pw@example.org/sparql?x=1")
'https://***@example.org/sparql?x=1'
"""

from __future__ import annotations

import base64
import netrc
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from trialkg.exceptions import EndpointError

__all__ = [
    "Credentials",
    "config_path",
    "credentials_for",
    "read_config",
    "redact",
    "redact_url",
    "resolve_endpoint",
]

ENV_ENDPOINT = "TRIALKG_ENDPOINT"
ENV_STORE_ENDPOINT = "TRIALKG_STORE_ENDPOINT"
ENV_USER = "TRIALKG_ENDPOINT_USER"
ENV_PASSWORD = "TRIALKG_ENDPOINT_PASSWORD"
ENV_TOKEN = "TRIALKG_ENDPOINT_TOKEN"


@dataclass(frozen=True)
class Credentials:
    """HTTP credentials; ``secret`` is a password (basic) or a token (bearer)."""

    kind: str  # "basic" or "bearer"
    user: str
    secret: str = field(repr=False)

    @classmethod
    def basic(cls, user: str, password: str) -> Credentials:
        return cls("basic", user, password)

    @classmethod
    def bearer(cls, token: str) -> Credentials:
        return cls("bearer", "", token)

    def header(self) -> str:
        """The value of the ``Authorization`` header."""
        if self.kind == "bearer":
            return f"Bearer {self.secret}"
        raw = f"{self.user}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def secrets(self) -> list[str]:
        """Every string that must never appear in output."""
        out = [self.secret, self.header(), self.header().split(" ", 1)[1]]
        return [s for s in out if s]

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, user={self.user!r}, secret=<redacted>)"

    __str__ = __repr__


def redact_url(url: str) -> str:
    """The URL without any user:password part."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc="***@" + host))


def redact(text: str, credentials: Credentials | None) -> str:
    """``text`` with every secret of ``credentials`` replaced by ``***``."""
    if credentials is not None:
        for secret in sorted(credentials.secrets(), key=len, reverse=True):
            text = text.replace(secret, "***")
    return text


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "trialkg" / "config.toml"


def read_config() -> dict[str, Any]:
    """The user's config file as a dict ({} when there is none)."""
    path = config_path()
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise EndpointError(
                f"{path}: reading the config file needs Python 3.11+ or the 'tomli' package"
            ) from None
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except (OSError, ValueError) as exc:
        raise EndpointError(f"{path}: cannot read the config file: {exc}") from None
    return data


def resolve_endpoint(option: str | None, *, kind: str = "query") -> str | None:
    """The endpoint URL from the option, the environment or the config file (or None)."""
    env, key = (ENV_ENDPOINT, "endpoint") if kind == "query" else (
        ENV_STORE_ENDPOINT, "store_endpoint")
    url = option or os.environ.get(env) or read_config().get(key)
    if url is None:
        return None
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise EndpointError(f"not an http(s) endpoint URL: {redact_url(str(url))!r}")
    return url


def credentials_for(url: str) -> Credentials | None:
    """Credentials for ``url``: from the URL, the environment, then ~/.netrc (by host)."""
    token = os.environ.get(ENV_TOKEN)
    if token:
        return Credentials.bearer(token)
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if user and password is not None:
        return Credentials.basic(user, password)
    parts = urlsplit(url)
    if parts.username is not None:
        from urllib.parse import unquote

        return Credentials.basic(unquote(parts.username), unquote(parts.password or ""))
    host = parts.hostname or ""
    try:
        entry = netrc.netrc(os.environ.get("NETRC")).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry is None:
        return None
    login, _account, secret = entry
    return Credentials.basic(login or "", secret or "")


def strip_userinfo(url: str) -> str:
    """The URL to send requests to (credentials go in a header, never in the URL)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
