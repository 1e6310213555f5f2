"""Who may talk to the server: the local token, the Host allow-list and the Origin check.

Binding to 127.0.0.1 is not access control: any web page can send requests to localhost and
DNS rebinding can make a hostile page look same-origin. So, like Jupyter Server, every request
must name a loopback Host, state-changing requests and WebSockets must come from our own
Origin (or from none, as curl and scripts do), and the API needs the token.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
import time
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_BYTES = 32
TOKEN_RECHECK = 0.5
"""Seconds between checks of the token file, so a rotation takes effect within a second."""

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def ensure_private_dir(path: Path) -> None:
    """Create `path` as 0700, or repair its mode if it exists."""
    path.mkdir(parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)


def write_secret(path: Path, value: str) -> None:
    """Write a secret file atomically with mode 0600 from the first byte."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (value + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_secret(path: Path) -> str | None:
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        value = path.read_text().strip()
    except FileNotFoundError:
        return None
    return value or None


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class TokenStore:
    """The local API token: made on first run, reused after, re-read when rotated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._token = ""
        self._mtime: float | None = None
        self._checked = 0.0

    def load(self) -> str:
        token = read_secret(self.path)
        if token is None:
            token = new_token()
            write_secret(self.path, token)
        self._token = token
        self._mtime = self.path.stat().st_mtime
        self._checked = time.monotonic()
        return token

    def rotate(self) -> str:
        token = new_token()
        write_secret(self.path, token)
        self._token = token
        self._mtime = self.path.stat().st_mtime
        return token

    @property
    def token(self) -> str:
        now = time.monotonic()
        if now - self._checked >= TOKEN_RECHECK:
            self._checked = now
            try:
                mtime = self.path.stat().st_mtime
            except OSError:
                mtime = None
            if mtime != self._mtime:
                self.load()
        return self._token

    def check(self, candidate: str | None) -> bool:
        """Constant-time comparison; an empty or missing candidate never matches."""
        if not candidate:
            return False
        return hmac.compare_digest(candidate.encode(), self.token.encode())


def host_name(host_header: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`; `[::1]:8000` -> `[::1]`."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RequestGuard:
    """ASGI middleware: refuse foreign Host values and foreign Origins before any route runs."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = LOOPBACK_NAMES | {h.lower() for h in allowed_hosts}

    def host_ok(self, headers: Headers) -> bool:
        host = headers.get("host")
        return host is not None and host_name(host) in self.allowed

    def origin_ok(self, headers: Headers, scheme: str) -> bool:
        origin = headers.get("origin")
        if origin is None:
            return True
        if origin == "null":
            return False
        parts = urlsplit(origin)
        own_host = headers.get("host", "").lower()
        return parts.netloc.lower() == own_host and parts.scheme in {"http", "https"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self.host_ok(headers):
            await self._refuse(scope, receive, send, 403, "Host header is not allowed")
            return
        state_changing = scope["type"] == "websocket" or scope.get("method") not in (
            "GET",
            "HEAD",
            "OPTIONS",
        )
        if state_changing and not self.origin_ok(headers, scope.get("scheme", "http")):
            await self._refuse(scope, receive, send, 403, "cross-origin request refused")
            return
        await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, detail: str
    ) -> None:
        if scope["type"] == "websocket":
            await receive()  # the connect event
            await send({"type": "websocket.close", "code": 1008, "reason": detail})
            return
        response = JSONResponse({"detail": detail}, status_code=status)
        await response(scope, receive, send)
