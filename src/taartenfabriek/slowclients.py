"""A deadline for request headers: a client that trickles them forever loses its connection.

uvicorn closes idle keep-alive connections, but once a byte of a request has arrived nothing
bounds how long the rest of its headers may take, so a client sending one header line every
few seconds held a connection (and a file descriptor) for as long as it liked. This protocol
is uvicorn's httptools one with a timer: the headers of each request must be complete within
`header_timeout` seconds of the connection opening or of the previous response, or the
connection is closed. Bodies are bounded by `security.BodySizeLimit`, WebSockets by their
own pings and idle timeouts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


def with_header_deadline(seconds: float) -> type[HttpToolsProtocol]:
    """uvicorn's `http=` protocol class, closing connections whose headers take too long."""

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        header_timeout = seconds

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expired(self) -> None:
            self._header_timer = None
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_complete:
                self._arm()  # a response is still being sent; judge the next request after it
                return
            log.info(
                "closed a connection from %s: no complete request headers within %g s",
                f"{self.client[0]}:{self.client[1]}" if self.client else "?",
                self.header_timeout,
            )
            self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            pipelined = bool(self.pipeline)  # their headers are in already
            super().on_response_complete()
            if not pipelined and not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderDeadlineProtocol
