"""Who may talk to the server: the local token, the Host allow-list and the Origin check.

Binding to 127.0.0.1 is not access control: any web page can send requests to localhost and
DNS rebinding can make a hostile page look same-origin. So, like Jupyter Server, every request
must name a loopback Host (or one the user listed), requests and WebSockets must come from our
own Origin (or from none, as curl and scripts do), and the API needs the token. Bodies are
capped before anything parses them, and every response carries headers that keep other sites
from framing, sniffing or caching it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .core.logs import register_secret

TOKEN_BYTES = 32
TOKEN_RECHECK = 0.5
"""Seconds between checks of the token file, so a rotation takes effect within a second."""

MAX_BODY_BYTES = 64 * 1024
"""No request body of this API comes anywhere near this; anything larger is refused unread."""

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})

# --- secrets at rest ---------------------------------------------------------------------------


def ensure_private_dir(path: Path) -> None:
    """Create `path` as 0700, or repair its mode if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)


def repair_secret_file(path: Path) -> None:
    """Make an existing secret file 0600 (a copy or an editor may have widened it)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode != 0o600:
        path.chmod(0o600)


def secure_state(home: Path, secret_files: Iterable[Path]) -> None:
    """At start: the state folder is 0700 and every secret file in it 0600."""
    ensure_private_dir(home)
    for path in secret_files:
        repair_secret_file(path)


def write_secret(path: Path, value: str) -> None:
    """Write a secret file atomically with mode 0600 from the first byte."""
    ensure_private_dir(path.parent)
    register_secret(value)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a leftover file
        os.write(fd, (value + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_secret(path: Path) -> str | None:
    """The secret in `path` (repairing the file's mode first), or None when there is none."""
    try:
        repair_secret_file(path)
        value = path.read_text().strip()
    except FileNotFoundError:
        return None
    register_secret(value)
    return value or None


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class TokenStore:
    """The local API token: made on first run, reused after, re-read when rotated.

    `taartenfabriek token --rotate` replaces the file from another process; the running server
    notices within `TOKEN_RECHECK` seconds (a new inode, mtime or size) and the old token stops
    working.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._token = ""
        self._signature: tuple[int, int, int] | None = None
        self._checked = 0.0

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> str:
        token = read_secret(self.path)
        return self._use(token) if token is not None else self.rotate()

    def rotate(self) -> str:
        token = new_token()
        write_secret(self.path, token)
        return self._use(token)

    def _use(self, token: str) -> str:
        """`token` is the file's now: remember it and the file's signature."""
        self._token = token
        self._signature = self._stat()
        self._checked = time.monotonic()
        return token

    @property
    def token(self) -> str:
        now = time.monotonic()
        if not self._token or now - self._checked >= TOKEN_RECHECK:
            self._checked = now
            if self._stat() != self._signature or not self._token:
                self.load()
        return self._token

    def check(self, candidate: str | None) -> bool:
        """Constant-time comparison; an empty or missing candidate never matches."""
        if not candidate:
            return False
        return hmac.compare_digest(candidate.encode(), self.token.encode())


# --- Host and Origin ---------------------------------------------------------------------------

_HOST_RE = re.compile(
    r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)


def split_host(value: str) -> tuple[str, int | None] | None:
    """`Host` syntax -> (lower-case name, port); None when it is not a plain `name[:port]`.

    IPv6 literals keep their brackets (`[::1]`); a bare `::1`, userinfo (`a@b`), a trailing
    dot, a path or an empty port are all refused rather than guessed at.
    """
    match = _HOST_RE.fullmatch(value)
    if match is None:
        return None
    port = int(match["port"]) if match["port"] else None
    if port is not None and port > 65535:
        return None
    return match["name"].lower(), port


def host_name(host_header: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`; `[::1]:8000` -> `[::1]`; malformed -> ``."""
    parsed = split_host(host_header.strip())
    return parsed[0] if parsed else ""


def normalise_host_names(names: Iterable[str]) -> frozenset[str]:
    """Allow-list entries as `Host` names: `myhost`, `myhost:8000` and `::1` all work."""
    out: set[str] = set()
    for raw in names:
        name = raw.strip()
        if ":" in name and not name.startswith("["):
            try:
                ipaddress.IPv6Address(name)
            except ValueError:
                pass
            else:
                name = f"[{name}]"
        parsed = split_host(name)
        if parsed is not None:
            out.add(parsed[0])
    return frozenset(out)


def is_loopback_address(host: str) -> bool:
    """Whether binding to `host` keeps the server on this machine (`127.x`, `::1`, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def origin_matches(origin: str, host: tuple[str, int | None], scheme: str) -> bool:
    """Whether `origin` (a browser `Origin` header) is the server's own origin: same scheme
    and port, and the same host name (any loopback name counts as the same)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    want_scheme = "https" if scheme in ("https", "wss") else "http"
    if parts.scheme != want_scheme or parts.path or parts.query or parts.fragment:
        return False
    own = split_host(parts.netloc)
    if own is None:
        return False
    default = _default_port(want_scheme)
    if (own[1] or default) != (host[1] or default):
        return False
    # The loopback names are one machine and one socket: a page of ours opened as
    # http://localhost:8000 may talk to 127.0.0.1:8000. Other names must match exactly.
    return own[0] == host[0] or (own[0] in LOOPBACK_NAMES and host[0] in LOOPBACK_NAMES)


class RequestGuard:
    """ASGI middleware: refuse foreign Host values and foreign Origins before any route runs.

    Runs for every HTTP request and WebSocket handshake, the UI page included:
    - `Host` must be exactly one header naming an allowed host (DNS rebinding);
    - `Origin`, when present, must be our own origin, for every method (a foreign page may
      neither change state nor read; curl and scripts send no Origin and keep working);
    - `Sec-Fetch-Site: cross-site`/`same-site` is refused too unless it is a plain top-level
      navigation (a link to the UI from elsewhere), which changes nothing.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = LOOPBACK_NAMES | normalise_host_names(allowed_hosts)

    def check(self, scope: Scope) -> tuple[int, str] | None:
        headers = Headers(scope=scope)
        hosts = headers.getlist("host")
        if len(hosts) != 1:
            return 400, "exactly one Host header is required"
        host = split_host(hosts[0].strip())
        if host is None:
            return 400, "the Host header is malformed"
        if host[0] not in self.allowed:
            return 403, f"Host {host[0]!r} is not allowed (DNS rebinding protection)"
        origins = headers.getlist("origin")
        if len(origins) > 1:
            return 403, "cross-origin request refused"
        if origins and not origin_matches(origins[0], host, scope.get("scheme", "http")):
            return 403, "cross-origin request refused"
        site = headers.get("sec-fetch-site", "").lower()
        if site in ("cross-site", "same-site"):
            method = scope.get("method", "GET")
            navigation = headers.get("sec-fetch-mode", "").lower() == "navigate"
            if scope["type"] != "http" or method not in ("GET", "HEAD") or not navigation:
                return 403, "cross-site request refused"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.check(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        if scope["type"] == "websocket":
            # Closing before accepting answers the handshake with HTTP 403: no frame is sent.
            await receive()  # the connect event
            await send({"type": "websocket.close", "code": 1008, "reason": detail})
            return
        await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


# --- request body size -------------------------------------------------------------------------


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body outgrows the limit; FastAPI answers it with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodySizeLimit:
    """ASGI middleware: refuse bodies over `max_bytes` with 413 before anything parses them.

    A declared `Content-Length` over the limit is refused unread; a chunked body is counted as
    it arrives and refused as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body larger than {self.max_bytes} bytes"},
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


# --- response headers --------------------------------------------------------------------------

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

RESPONSE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: every response is unframeable, unsniffable and uncached, and an HTML
    page without its own policy gets the strict Content-Security-Policy.

    Headers a route already set win, so the UI can tighten (or hash-allow) its own policy.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in RESPONSE_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                html = headers.get("content-type", "").startswith("text/html")
                if html and "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)
