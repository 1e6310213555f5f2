"""Health, version, settings, tasks listing and the WebSocket's rules."""

from __future__ import annotations

import stat

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def test_health_and_version(server: ServerProcess) -> None:
    with server.client() as client:
        health = client.get("/api/health").json()
        assert health["status"] == "ok" and health["version"]
        assert health["backend"] == "local" and health["inventory_stale"] is False
        assert client.get("/api/tart/version").json() == {"version": "2.32.1"}


def test_token_file_is_private_and_reused(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory().start()
    token_file = server.home / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(server.home.stat().st_mode) == 0o700
    assert len(server.token) >= 43  # 32 random bytes, base64url
    first = server.token
    server.stop()
    server.start()
    assert server.token == first


def test_github_token_settings(server: ServerProcess) -> None:
    secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    with server.client() as client:
        assert client.get("/api/settings/github-token").json()["configured"] is False
        status = client.post("/api/settings/github-token", json={"token": secret}).json()
        assert status["configured"] is True and status["masked_token"] == "ghp_...6789"
        status = client.get("/api/settings/github-token").json()
        assert status["masked_token"] == "ghp_...6789" and secret not in str(status)
        stored = server.home / "github-token"
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        short = client.post("/api/settings/github-token", json={"token": "short"}).json()
        assert short["masked_token"] == "****"
        cleared = client.post("/api/settings/github-token", json={"token": ""}).json()
        assert cleared == {"configured": False, "masked_token": None, "source": None}


def test_websocket_needs_the_token(server: ServerProcess) -> None:
    with server.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": "ghcr.io/nobody/x:1"}).json()
    for query in ("", "?token=wrong"):
        with connect(f"{server.ws_url}/ws/tasks/{task['id']}{query}") as ws:
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1008


def test_websocket_of_a_finished_task_sends_it_and_closes(server: ServerProcess) -> None:
    with server.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": "ghcr.io/nobody/x:1"}).json()
    server.wait_task(task["id"])
    with connect(f"{server.ws_url}/ws/tasks/{task['id']}?token={server.token}") as ws:
        messages = list(ws)
    assert len(messages) == 1 and '"failed"' in messages[0]


def test_task_history(server: ServerProcess) -> None:
    with server.client() as client:
        ids = [
            client.post("/api/vms/pull", json={"oci_url": f"ghcr.io/nobody/x{i}:1"}).json()["id"]
            for i in range(3)
        ]
        for task_id in ids:
            server.wait_task(task_id)
        history = client.get("/api/tasks", params={"limit": 2}).json()
        assert [t["id"] for t in history] == ids[::-1][:2]
        assert (
            client.get("/api/tasks", params={"vm": "ghcr.io/nobody/x0:1"}).json()[0]["id"] == ids[0]
        )


def test_available_images_without_token_is_a_list(server: ServerProcess) -> None:
    with server.client() as client:
        response = client.get("/api/vms/available-images")
        assert response.status_code in (200, 502, 503, 504)
        if response.status_code == 200:
            assert isinstance(response.json(), list)


def test_ui_and_docs_are_served(server: ServerProcess) -> None:
    page = httpx.get(f"{server.base_url}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert server.token not in page.text
    assert httpx.get(f"{server.base_url}/openapi.json").json()["info"]["title"]
