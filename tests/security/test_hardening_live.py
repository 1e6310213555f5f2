"""What the outside attack of issue #18 found, through the real server: over-long names,
duplicate token headers, secrets in access logs, rotation ending sessions, slow clients."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

LONG_NAMES = ["a" * 300, "é" * 150, "b" * 256, "ghcr.io/x/" + "c" * 300]
"""Over 255 bytes: more than any file name may hold (ASCII, two-byte UTF-8, one over, OCI)."""

VM_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/vms/{}", None),
    ("GET", "/api/vms/{}/logs", None),
    ("GET", "/api/vms/{}/logs/latest", None),
    ("GET", "/api/vms/{}/logs/20240101T000000", None),
    ("GET", "/api/vms/{}/ip-resolver", None),
    ("PUT", "/api/vms/{}/ip-resolver", {"resolver": "arp"}),
    ("GET", "/api/vms/{}/console", None),
    ("PUT", "/api/vms/{}/console/credentials", {"username": "a", "password": "b"}),
    ("DELETE", "/api/vms/{}/console/credentials", None),
    ("GET", "/api/vms/{}/start-options", None),
    ("PUT", "/api/vms/{}/start-options", {}),
    ("POST", "/api/vms/{}/start-options/preview", {}),
    ("GET", "/api/vms/{}/actions", None),
    ("GET", "/api/vms/{}/config", None),
    ("PATCH", "/api/vms/{}/config", {"cpu": 2}),
    ("POST", "/api/vms/{}/start", None),
    ("POST", "/api/vms/{}/stop", None),
    ("POST", "/api/vms/{}/delete", None),
    ("POST", "/api/vms/{}/clone", {"new_name": "fine-name"}),
    ("POST", "/api/vms/{}/resume", None),
    ("POST", "/api/vms/{}/suspend", None),
    ("POST", "/api/vms/{}/shutdown", None),
    ("POST", "/api/vms/{}/rename", {"new_name": "fine-name"}),
    ("GET", "/api/tasks?vm={}", None),
]


@pytest.fixture(scope="module")
def ran_once(live_server: ServerProcess) -> ServerProcess:
    """The server after one VM ran: its run-log folder exists (a lookup inside it is what
    failed with `File name too long`)."""
    seed_vm(live_server.tart_home, "ran-once", os_name="linux")
    with live_server.client() as client:
        client.post("/api/vms/refresh", json={})
        started = client.post("/api/vms/ran-once/start", json={"display": "none"}).json()
        assert live_server.wait_task(started["id"])["status"] == "completed"
        stopped = client.post("/api/vms/ran-once/stop").json()
        assert live_server.wait_task(stopped["id"])["status"] == "completed"
    assert (live_server.home / "logs" / "runs" / "ran-once").is_dir()
    return live_server


@pytest.mark.parametrize("name", LONG_NAMES, ids=["ascii", "utf8", "256", "oci"])
def test_over_long_names_are_404_or_422_on_every_route(ran_once: ServerProcess, name: str) -> None:
    live_server = ran_once
    answers = {}
    with live_server.client() as client:
        for method, path, body in VM_ROUTES:
            url = path.format(quote(name, safe=""))
            try:
                answers[f"{method} {path}"] = client.request(method, url, json=body).status_code
            except httpx.HTTPError as exc:  # the server dropped the connection
                answers[f"{method} {path}"] = repr(exc)
        assert client.get("/api/health").status_code == 200
    odd = {route: status for route, status in answers.items() if status not in (404, 422)}
    if "/api/tasks?vm={}" in str(odd) and odd.get("GET /api/tasks?vm={}") == 200:
        odd.pop("GET /api/tasks?vm={}")  # a filter that matches nothing: an empty list
    assert not odd, odd
    for kind in ("terminal", "vnc"):
        url = f"{live_server.ws_url}/ws/vms/{quote(name, safe='')}/{kind}?token={live_server.token}"
        with connect(url, proxy=None) as ws, pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


@pytest.mark.parametrize("path", ["/api/vms", "/api/vms/categorized", "/api/health", "/api/tasks"])
def test_two_token_headers_are_refused_everywhere(live_server: ServerProcess, path: str) -> None:
    token = live_server.token
    for pair in ([token, token], [token, "wrong"], ["wrong", token]):
        headers = [("X-Local-Token", value) for value in pair]
        response = httpx.get(f"{live_server.base_url}{path}", headers=headers)
        assert response.status_code == 403, (pair, response.text)
    assert httpx.get(f"{live_server.base_url}{path}", headers={"X-Local-Token": token}).is_success


def _open_for(sock: socket.socket, limit: float) -> float:
    """Seconds until the server closed `sock` (it sends one header line a second meanwhile);
    fails after `limit`."""
    started = time.monotonic()
    sock.settimeout(1.0)
    while time.monotonic() - started < limit:
        try:
            sock.sendall(b"X-Slow: 1\r\n")
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:  # reset or broken pipe: closed too
            return time.monotonic() - started
    raise AssertionError(f"the server kept a trickling connection open for {limit} s")


def test_a_client_trickling_its_headers_is_cut_off(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(env_overrides={"TARTVM_HEADER_TIMEOUT": "2"}).start()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        _open_for(sock, limit=20)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:  # after a response too
        sock.sendall(
            f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Local-Token: {server.token}"
            "\r\n\r\nGET /api/health HTTP/1.1\r\n".encode()
        )
        sock.settimeout(10)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        _open_for(sock, limit=20)
    with server.client() as client:  # an ordinary client is not affected
        assert client.get("/api/health").status_code == 200


ENCODINGS = {
    "plain": lambda key, value: f"{key}={value}",
    "key-encoded": lambda key, value: f"{''.join(f'%{ord(c):02X}' for c in key)}={value}",
    "value-encoded": lambda key, value: f"{key}={''.join(f'%{ord(c):02X}' for c in value)}",
    "both-lower": lambda key, value: (
        "".join(f"%{ord(c):02x}" for c in f"{key}") + "=" + "".join(f"%{ord(c):02x}" for c in value)
    ),
    "dashes-only": lambda key, value: f"{key}={value.replace('-', '%2D').replace('_', '%5F')}",
    "double": lambda key, value: f"{key}={''.join(f'%25{ord(c):02X}' for c in value)}",
    "second": lambda key, value: f"cols=80&{key}={value}",
}


def test_no_form_of_the_token_reaches_the_access_log(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory().start()
    token = server.token
    forms = {name: encode("token", token) for name, encode in ENCODINGS.items()}
    for query in forms.values():
        for path in ("/ws/tasks/nothing", "/ws/vms/x/terminal"):
            with (
                contextlib.suppress(Exception),
                connect(f"{server.ws_url}{path}?{query}", proxy=None, open_timeout=5) as ws,
            ):
                ws.recv(timeout=5)
        httpx.get(f"{server.base_url}/?{query}")
        httpx.get(f"{server.base_url}/api/health?{query}", headers={"X-Local-Token": token})
    server.stop()
    launch = f"/?token={token}\n"  # the one line that shows it, on purpose (the launch URL)
    output = server.log_path.read_text()
    assert output.count(launch) == 1
    output = output.replace(launch, "")
    for name, query in forms.items():
        value = query.rpartition("=")[2]
        assert value not in output, name
        assert value.lower() not in output.lower(), name
    assert token not in output
    assert "?token=[redacted]" in output  # still says what was sent


def test_rotating_the_token_closes_the_sockets_it_opened(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(
        env_overrides={"TART_SIM_PULL_SECONDS": "60", "SHELL": "/bin/sh"}
    ).start()
    old = server.token
    seed_vm(server.tart_home, "rot", os_name="linux")
    with server.client() as client:
        client.post("/api/vms/refresh", json={})
        started = client.post("/api/vms/rot/start", json={"display": "none"}).json()
        assert server.wait_task(started["id"])["status"] == "completed"
        image = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
        task = client.post("/api/vms/pull", json={"oci_url": image}).json()
    with (
        connect(f"{server.ws_url}/ws/tasks/{task['id']}?token={old}", proxy=None) as stream,
        connect(f"{server.ws_url}/ws/vms/rot/terminal?token={old}", proxy=None) as terminal,
    ):
        stream.recv(timeout=10)  # the task's state: the stream is open
        terminal.recv(timeout=10)  # the shell's first output
        subprocess.run(
            [sys.executable, "-m", "taartenfabriek", "token", "--rotate"],
            env=server.env(),
            check=True,
            capture_output=True,
            timeout=30,
        )
        rotated = time.monotonic()
        for ws in (stream, terminal):
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None, "no close frame"
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
                1008,
                "the token was rotated",
            )
        assert time.monotonic() - rotated < 2.0  # within a second, plus a loaded machine's slack
    new = (server.home / "token").read_text().strip()
    health = httpx.get(f"{server.base_url}/api/health", headers={"X-Local-Token": new})
    assert health.status_code == 200  # the new token works
    server.stop()
    assert "Traceback" not in server.log_path.read_text()  # the routes ended cleanly
