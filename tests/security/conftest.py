"""Fixtures of the security tests: the app in-process against a recording `tart`, a fake
GitHub API, and one real server per module for the tests that go through the network."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from taartenfabriek.app import create_app
from taartenfabriek.core.settings import Settings
from tests.security.recording_tart import write_recording_tart
from tests.server import ServerProcess


class _FakeRemote(BaseHTTPRequestHandler):
    """Stands in for GitHub and ghcr.io: empty package lists, a token, one tag per image, so
    the catalog answers at once instead of waiting on a network the tests do not have."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/token":
            data: object = {"token": "anonymous-registry-token"}
        elif path.endswith("/tags/list"):
            data = {"name": path[4:-10], "tags": ["latest"]}
        else:
            data = []
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Backlogged(ThreadingHTTPServer):
    """The catalog opens its requests at once: the default backlog of 5 connections dropped
    some on a busy 2-core CI machine (a 503 "unreachable" in
    test_no_secret_in_the_server_output)."""

    request_queue_size = 128
    daemon_threads = True


@pytest.fixture(scope="session")
def fake_github() -> Iterator[str]:
    httpd = _Backlogged(("127.0.0.1", 0), _FakeRemote)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class PortalClient:
    """A synchronous face on `httpx.AsyncClient(transport=ASGITransport(app))`.

    The app and its background tasks live on the portal's event loop for the whole module, as
    they would under uvicorn; sync tests (hypothesis) call into it. Starlette's TestClient is
    not used: it warns that it wants `httpx2`.
    """

    def __init__(self, portal: BlockingPortal, app: FastAPI, headers: dict[str, str]) -> None:
        self.portal = portal
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://127.0.0.1",
            headers=headers,
            timeout=30,
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        call = functools.partial(self.client.request, method, url, **kwargs)
        return self.portal.call(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("OPTIONS", url, **kwargs)


@contextlib.contextmanager
def running(app: FastAPI, headers: dict[str, str]) -> Iterator[PortalClient]:
    """The app's lifespan entered on a portal loop, and a client for it."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        client = PortalClient(portal, app, headers)
        try:
            yield client
        finally:
            portal.call(client.client.aclose)


@dataclass
class InProcess:
    app: FastAPI
    client: PortalClient
    token: str
    records: Path
    home: Path


def make_inprocess_app(root: Path, github_api_url: str) -> tuple[FastAPI, Path]:
    records = root / "records"
    tart = write_recording_tart(root / "bin", records)
    settings = Settings(
        home=root / "state",
        tart_path=str(tart),
        tart_home=root / "tart-home",
        refresh_interval=0,
        github_api_url=github_api_url,
        registry_url=github_api_url,
        github_token=None,
        allowed_hosts=(),
        tart_timeout=10,
        start_ip_timeout=1,
    )
    return create_app(settings), records


@pytest.fixture(scope="module")
def inproc(tmp_path_factory: pytest.TempPathFactory, fake_github: str) -> Iterator[InProcess]:
    """The app in this process (TestClient, Host 127.0.0.1) against the recording tart."""
    root = tmp_path_factory.mktemp("inproc")
    app, records = make_inprocess_app(root, fake_github)
    token = app.state.services.tokens.token
    with running(app, {"X-Local-Token": token}) as client:
        yield InProcess(app=app, client=client, token=token, records=records, home=root / "state")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server (subprocess) shared by a module's read-mostly tests."""
    server = ServerProcess(root=tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()
    server.stop_vms()


def ws_close_code(url: str) -> int | None:
    """Connect, expect the server to close before sending anything; its close code."""
    with connect(url, proxy=None) as ws:
        try:
            message = ws.recv(timeout=10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
    raise AssertionError(f"the server sent data: {message!r}")
