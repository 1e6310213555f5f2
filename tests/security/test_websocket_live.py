"""WebSocket handshakes against the real server: foreign Origins and Hosts are refused before
any data is sent; a wrong token closes with 1008 before any data."""

from __future__ import annotations

import json
import socket

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.security.conftest import ws_close_code
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def task_id(live_server: ServerProcess) -> str:
    with live_server.client() as client:
        response = client.post("/api/vms/pull", json={"oci_url": "ghcr.io/example/image:1.0"})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _url(server: ServerProcess, task_id: str, token: str | None) -> str:
    query = f"?token={token}" if token is not None else ""
    return f"{server.ws_url}/ws/tasks/{task_id}{query}"


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.com",
        "https://evil.com",
        "null",
        "http://localhost:{other}",
        "http://127.0.0.1:{other}",
        "https://127.0.0.1:{port}",
        "http://127.0.0.1.nip.io:{port}",
    ],
)
def test_cross_origin_websocket_is_refused_at_the_handshake(
    live_server: ServerProcess, task_id: str, origin: str
) -> None:
    origin = origin.format(port=live_server.port, other=live_server.port + 1)
    with pytest.raises(InvalidStatus) as refused:
        connect(_url(live_server, task_id, live_server.token), origin=origin, proxy=None)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    assert live_server.token.encode() not in (refused.value.response.body or b"")


@pytest.mark.parametrize("host", ["localhost.evil.com", "evil.com", "127.0.0.1.nip.io", "0.0.0.0"])
def test_websocket_with_a_foreign_host_is_refused(
    live_server: ServerProcess, task_id: str, host: str
) -> None:
    """DNS rebinding: the browser connects to our socket but names the attacker's host."""
    sock = socket.create_connection(("127.0.0.1", live_server.port), timeout=10)
    url = f"ws://{host}:{live_server.port}/ws/tasks/{task_id}?token={live_server.token}"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, sock=sock, origin=f"http://{host}:{live_server.port}", proxy=None)  # type: ignore[arg-type]
    assert refused.value.response.status_code in (400, 403)


def test_cross_site_fetch_metadata_is_refused(live_server: ServerProcess, task_id: str) -> None:
    with pytest.raises(InvalidStatus):
        connect(
            _url(live_server, task_id, live_server.token),
            additional_headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "websocket"},
            proxy=None,
        )


@pytest.mark.parametrize("origin", [None, "http://127.0.0.1:{port}", "http://localhost:{port}"])
def test_own_origin_or_no_origin_with_token_streams_the_task(
    live_server: ServerProcess, task_id: str, origin: str | None
) -> None:
    kwargs = {"origin": origin.format(port=live_server.port)} if origin else {}
    with connect(_url(live_server, task_id, live_server.token), proxy=None, **kwargs) as ws:  # type: ignore[arg-type]
        first = json.loads(ws.recv(timeout=10))
    assert first["id"] == task_id


@pytest.mark.parametrize("token", [None, "", "wrong", "{token}x"])
def test_wrong_token_closes_with_1008_before_any_data(
    live_server: ServerProcess, task_id: str, token: str | None
) -> None:
    if token is not None:
        token = token.format(token=live_server.token)
    assert ws_close_code(_url(live_server, task_id, token)) == 1008
