"""The hot reads, answered before FastAPI's routing: `GET /api/vms` and `/api/vms/categorized`.

The UI polls these, so each costs only a header scan and two `send` calls: the bodies are
prepared by the inventory when it changes (and gzipped at most once per change), and named
by an ETag, so a poll while nothing changed is an empty 304. Anything off the happy path (no,
wrong or two tokens, another method, a query string) falls through to the FastAPI routes in
`vms.py`, which stay the documented definition and produce every error response. Sits inside
the Host/Origin guard, so it never widens who may read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .parts import Parts

PREPARED = {"/api/vms": "body", "/api/vms/categorized": "categorized_body"}
TOKEN = b"x-local-token"
ACCEPT_ENCODING = b"accept-encoding"
IF_NONE_MATCH = b"if-none-match"


class PreparedReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        which = PREPARED.get(scope["path"]) if scope["type"] == "http" else None
        if which is None or scope["method"] != "GET" or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        tokens = []
        accept = b""
        known = b""
        for name, value in scope["headers"]:
            if name == TOKEN:
                tokens.append(value)
            elif name == ACCEPT_ENCODING:
                accept = value
            elif name == IF_NONE_MATCH:
                known = value
        services: Parts = scope["app"].state.services
        if len(tokens) != 1 or not services.tokens.check(tokens[0].decode("latin-1")):
            await self.app(scope, receive, send)  # the route answers 403 in the usual form
            return
        inventory = services.inventory
        await inventory.ready()
        etag = inventory.etag
        if known and etag in known:  # the UI's poll while nothing changed
            headers = [(b"etag", etag), (b"vary", b"Accept-Encoding")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"vary", b"Accept-Encoding"),
            (b"etag", etag),
        ]
        if _accepts_gzip(accept):
            body = inventory.gzipped(which)
            headers.append((b"content-encoding", b"gzip"))
        else:
            body = getattr(inventory, which)
        age = inventory.age
        if age is not None:
            headers.append((b"x-inventory-age", f"{age:.3f}".encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _accepts_gzip(accept: bytes) -> bool:
    """`gzip` (or `*`) listed in Accept-Encoding with a non-zero quality."""
    for part in accept.lower().split(b","):
        coding, _, params = part.partition(b";")
        if coding.strip() not in (b"gzip", b"*"):
            continue
        for param in params.split(b";"):
            key, _, value = param.strip().partition(b"=")
            if key == b"q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False
