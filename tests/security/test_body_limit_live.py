"""Request bodies over 64 KiB are refused with 413 before anything parses them."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from taartenfabriek.security import MAX_BODY_BYTES
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

ROUTES = ["/api/vms/pull", "/api/vms/create", "/api/settings/github-token", "/api/vms/x/clone"]


def _head(server: ServerProcess, path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"X-Local-Token: {server.token}\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def _read_status(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize("path", ROUTES)
def test_declared_oversize_body_is_refused_unread(live_server: ServerProcess, path: str) -> None:
    """Content-Length of 10 MB and not one byte sent: the answer must not wait for the body."""
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall(_head(live_server, path, "Content-Length: 10000000\r\n"))
        started = time.monotonic()
        status, response = _read_status(sock)
    assert status == 413, response
    assert time.monotonic() - started < 4  # a server waiting on the body would hit the 5 s timeout


@pytest.mark.parametrize("path", ROUTES)
def test_chunked_oversize_body_is_refused(live_server: ServerProcess, path: str) -> None:
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(_head(live_server, path, "Transfer-Encoding: chunked\r\n"))
        chunk = b"{" + b" " * 8190 + b"\n"
        status = None
        try:
            for _ in range(2 * MAX_BODY_BYTES // len(chunk) + 2):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before we finished: fine
        status, response = _read_status(sock)
    assert status == 413, response


def test_large_body_through_httpx(live_server: ServerProcess) -> None:
    body = json.dumps({"oci_url": "ghcr.io/a/b:latest", "pad": "x" * (1024 * 1024)})
    with live_server.client() as client:
        response = client.post(
            "/api/vms/pull", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert "detail" in response.json()


def test_body_just_under_the_limit_is_parsed(live_server: ServerProcess) -> None:
    body = json.dumps({"oci_url": "not a reference", "pad": ""})
    body = body.replace('"pad": ""', '"pad": "' + "x" * (MAX_BODY_BYTES - len(body) - 1) + '"')
    assert len(body) < MAX_BODY_BYTES
    response = httpx.post(
        f"{live_server.base_url}/api/vms/pull",
        content=body,
        headers={**live_server.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
