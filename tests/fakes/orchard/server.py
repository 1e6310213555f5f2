"""`FakeOrchard`: the fake controller served by uvicorn in a thread on a loopback port.

Tests reach the same `store` the HTTP handlers use (seed workers and accounts, inject
failures, age heartbeats) and read `requests`, the log of every call the controller saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import admin_routes as admin
from . import vm_routes as vms
from .scheduler import Scheduler
from .store import Reply, Store
from .wire import INVALID_JSON, BadJSON, Json

ROUTES = [
    ("/v1/", admin.root, ["GET"]),
    ("/v1/controller/info", admin.info, ["GET"]),
    ("/v1/cluster-settings", admin.cluster_settings, ["GET", "PUT"]),
    ("/v1/service-accounts", admin.accounts, ["GET", "POST"]),
    ("/v1/service-accounts/{name}", admin.account, ["GET", "PUT", "DELETE"]),
    ("/v1/workers", admin.workers, ["GET", "POST"]),
    ("/v1/workers/{name}", admin.worker, ["GET", "PUT", "DELETE"]),
    ("/v1/vms", vms.vms, ["GET", "POST"]),
    ("/v1/vms/{name}", vms.vm, ["GET", "PUT", "DELETE"]),
    ("/v1/vms/{name}/state", vms.vm_state, ["PUT"]),
    ("/v1/vms/{name}/events", vms.events, ["GET", "POST"]),
    ("/v1/vms/{name}/ip", vms.ip, ["GET"]),
]


async def _reply(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Reply)
    if exc.message is None:
        return Response(status_code=exc.status)
    return Response(
        json.dumps({"message": exc.message}),
        status_code=exc.status,
        media_type="application/json; charset=utf-8",
    )


async def _bad_json(request: Request, exc: Exception) -> Response:
    return await _reply(request, Reply(400, INVALID_JSON))


async def _no_route(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("404 page not found", status_code=404)


class RequestLog:
    """ASGI wrapper recording (method, path?query) of every HTTP request."""

    def __init__(self, app: ASGIApp, log: list[tuple[str, str]]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").decode()
            self.log.append((scope["method"], scope["path"] + (f"?{query}" if query else "")))
        await self.app(scope, receive, send)


@dataclass
class FakeOrchard:
    dev: bool = True
    """`orchard dev`: no authentication at all. False: Basic auth against `store.accounts`."""
    prefix: str = ""
    tls: tuple[Path, Path] | None = None
    """(certificate, key) PEM files to serve HTTPS with, like `controller run`."""
    phase_seconds: float = 0.05
    tick: float = 0.02
    offline_after: float = 180.0
    restart_after: float = 15.0
    auto: bool = True
    version: str = admin.VERSION
    """What `/v1/controller/info` says."""
    watch: bool = True
    """False: ignore `?watch=true` as controllers before 0.41.0 do."""
    send_buffer: int | None = None
    """SO_SNDBUF of its sockets (fixed, so not grown by the kernel): bounds how much output
    waits between this controller and a client that stopped reading."""
    listen_port: int = 0
    """0: any free port; 80 lets a test reach it by a URL without a port."""
    store: Store = field(default_factory=Store)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scheduler = Scheduler(
            self.store,
            phase_seconds=self.phase_seconds,
            offline_after=self.offline_after,
            restart_after=self.restart_after,
        )
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            task = asyncio.create_task(self.scheduler.run(self.tick)) if self.auto else None
            yield
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        app = Starlette(
            routes=[Route(self.prefix + p, h, methods=m) for p, h, m in ROUTES],
            exception_handlers={Reply: _reply, BadJSON: _bad_json, 404: _no_route, 405: _no_route},
            lifespan=lifespan,
        )
        app.state.store = self.store
        app.state.dev = self.dev
        app.state.version = self.version
        app.state.watch = self.watch
        return app

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        port = "" if (scheme, self.port) in (("http", 80), ("https", 443)) else f":{self.port}"
        return f"{scheme}://127.0.0.1{port}{self.prefix}"

    def start(self) -> FakeOrchard:
        sock = socket.socket()
        if self.send_buffer is not None:  # accepted sockets inherit it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        sock.bind(("127.0.0.1", self.listen_port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            RequestLog(self.app(), self.requests),
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
            ssl_certfile=str(self.tls[0]) if self.tls else None,
            ssl_keyfile=str(self.tls[1]) if self.tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Orchard controller did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    # --- helpers for tests -----------------------------------------------------------------

    def calls(self, method: str | None = None, prefix: str = "") -> list[tuple[str, str]]:
        return [
            (m, p)
            for m, p in list(self.requests)
            if (method is None or m == method) and p.startswith(self.prefix + prefix)
        ]

    def vm(self, name: str) -> Json:
        with self.store.lock:
            return dict(self.store.show(self.store.vm(name)))

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.02)
