"""Real servers on 127.0.0.1 for the remote tests (fixtures in conftest.py).

* ``oxigraph_server`` — the ``oxigraph serve`` program (PyPI package ``oxigraph``) on a free
  port, in-memory, with ``--union-default-graph`` (skipped when the program is absent);
* ``Proxy`` — a small stdlib HTTP server in front of it that can demand credentials or answer
  500 for chosen requests (to test authentication, retries and resume), records the headers
  and bodies it receives, and speaks HTTPS with a certificate from ``self_signed``;
* ``real_store`` — an on-disk store with every real API v2 record of ../shared.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The ``trialkg`` CLI in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "trialkg", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(directory: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 and its key, made by the ``openssl`` program (None without)."""
    exe = shutil.which("openssl")
    if exe is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([exe, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@contextmanager
def trialkg_serve(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``trialkg serve ARGS`` on a free port of 127.0.0.1 while the block runs: its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "trialkg", "serve", *args, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env if env is not None else os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_until_up(url: str, seconds: float = 15.0) -> None:
    """Poll ``url`` until it answers (any HTTP status), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds} s")


@dataclass
class Oxigraph:
    base: str

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def store(self) -> str:
        return self.base + "/store"

    @property
    def update(self) -> str:
        return self.base + "/update"

    def clear(self) -> None:
        req = urllib.request.Request(self.update, data=b"DROP ALL", method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
        urllib.request.urlopen(req, timeout=10).close()

    def count(self) -> int:
        import json
        from urllib.parse import urlencode

        q = urlencode({"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
        req = urllib.request.Request(self.query + "?" + q,
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            data = json.loads(resp.read())
        return int(data["results"]["bindings"][0]["n"]["value"])


#: Decides a request's fate: None forwards it; (status, text) answers instead.
Rule = Callable[[str, str, bytes], "tuple[int, str] | None"]


@dataclass
class Proxy:
    """A reverse proxy on 127.0.0.1 in front of ``target``; ``rule`` may answer instead."""

    target: str
    rule: Rule | None = None
    basic: tuple[str, str] | None = None
    token: str | None = None
    tls: tuple[Path, Path] | None = None  # certificate and key: HTTPS
    seen: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    url: str = ""

    def __enter__(self) -> Proxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append(f"{self.command} {self.path}")
                proxy.headers.append(dict(self.headers.items()))
                proxy.bodies.append(body)
                if not proxy._authorised(self.headers.get("Authorization")):
                    return self._answer(401, "401 Unauthorized: credentials required",
                                        {"WWW-Authenticate": 'Basic realm="trialkg-test"'})
                if proxy.rule is not None:
                    verdict = proxy.rule(self.command, self.path, body)
                    if verdict is not None:
                        return self._answer(*verdict)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "accept")}
                req = urllib.request.Request(proxy.target + self.path, data=body or None,
                                             method=self.command, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        status, data = resp.status, resp.read()
                        ctype = resp.headers.get("Content-Type", "")
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                    ctype = exc.headers.get("Content-Type", "")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, status: int, text: str,
                        headers: dict[str, str] | None = None) -> None:
                data = text.encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _authorised(self, header: str | None) -> bool:
        if self.basic is None and self.token is None:
            return True
        if header is None:
            return False
        if self.token is not None and header == f"Bearer {self.token}":
            return True
        if self.basic is not None:
            raw = base64.b64encode(f"{self.basic[0]}:{self.basic[1]}".encode()).decode()
            return header == f"Basic {raw}"
        return False
