"""Rotating the token ends the WebSocket sessions the old one opened.

`taartenfabriek token --rotate` is what a user does after a leak, so a socket opened with the
leaked token (a task stream, a console, a terminal) must not outlive it. Each socket is checked
here, outside its route: every `CHECK_INTERVAL` one loop for all open sockets asks the token
store (which re-reads a rotated file within `TOKEN_RECHECK`) whether the socket's `?token=`
still holds; when it does not, the socket gets a 1008 close and its route is cancelled (its
`finally` blocks hang up shells and subscriptions). What the route sends after that is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..security import TokenStore

CHECK_INTERVAL = 0.2
"""Seconds between checks: with the store's 0.5 s re-read, sockets close within a second."""
POLICY_VIOLATION = 1008


@dataclass(eq=False)
class _Session:
    token: str
    expired: asyncio.Event = field(default_factory=asyncio.Event)


class SocketTokens:
    """ASGI middleware: close WebSockets whose token stopped being the token."""

    def __init__(self, app: ASGIApp, tokens: TokenStore) -> None:
        self.app = app
        self.tokens = tokens
        self.sessions: set[_Session] = set()
        self._watcher: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        # read as the routes read it (Starlette's QueryParams: the last `token=` wins)
        session = _Session(token=QueryParams(scope.get("query_string", b"")).get("token") or "")
        if not self.tokens.check(session.token):  # the route refuses it (1008) on its own
            await self.app(scope, receive, send)
            return
        lock = asyncio.Lock()
        closed = False

        async def guarded_send(message: Message) -> None:
            async with lock:
                if not closed:
                    await send(message)

        route = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        expired = asyncio.ensure_future(session.expired.wait())
        self.sessions.add(session)
        self._watch()
        try:
            await asyncio.wait({route, expired}, return_when=asyncio.FIRST_COMPLETED)
            if route.done():
                route.result()
                return
            async with lock:
                closed = True
                with contextlib.suppress(Exception):
                    await send(
                        {
                            "type": "websocket.close",
                            "code": POLICY_VIOLATION,
                            "reason": "the token was rotated",
                        }
                    )
            route.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await route
        finally:
            self.sessions.discard(session)
            expired.cancel()
            if not route.done():
                route.cancel()

    def _watch(self) -> None:
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.ensure_future(self._check())

    async def _check(self) -> None:
        """One loop for every open socket; it ends when the last socket has closed."""
        while self.sessions:
            await asyncio.sleep(CHECK_INTERVAL)
            for session in list(self.sessions):
                if not self.tokens.check(session.token):
                    session.expired.set()
