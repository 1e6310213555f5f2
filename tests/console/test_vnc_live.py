"""The console through the real server: a VM started with `display: vnc-experimental` is seen
through `/ws/vms/{name}/vnc` by an RFB client, its password comes only from the console route,
and the socket is closed with a reason when it cannot (or can no longer) show the screen."""

from __future__ import annotations

import re
import socket

import pytest
from websockets.exceptions import InvalidStatus

from taartenfabriek.sim.screen import FOREGROUND, TITLE_Y
from tests.console.conftest import ConsoleLab, drain
from tests.console.rfbclient import RFBClient, WebSocketTransport
from tests.console.test_sim_display import title_pixels

pytestmark = pytest.mark.integration


def test_the_console_shows_the_vm_and_the_password_stays_secret(lab: ConsoleLab) -> None:
    lab.seed("screen")
    done = lab.start("screen")
    assert re.fullmatch(r"vnc://127\.0\.0\.1:\d+", done["result"]["vnc_url"])
    info = lab.info("screen")
    assert info["available"] is True and info["mode"] == "vnc-experimental"
    assert info["address"] == "127.0.0.1:" + done["result"]["vnc_url"].rsplit(":", 1)[1]
    password = info["password"]
    assert re.fullmatch(r"[a-z]+(-[a-z]+){3}", password)

    with lab.ws("screen", "vnc") as ws:
        client = RFBClient(WebSocketTransport(ws))
        client.handshake(password)
        assert (client.width, client.height, client.name) == (1024, 768, "screen")
        client.request()
        client.read_update()
        band = range(int(768 * TITLE_Y), int(768 * TITLE_Y) + 70)
        lit = {(x, y) for y in band for x in range(1024) if client.pixel(x, y) == FOREGROUND}
        assert lit == title_pixels("screen", 1024, 768)
        client.key(ord("x"))
        client.request(incremental=True)
        assert client.read_update()[0][3] < 100  # only the prompt line came back

    # the password is nowhere else: task, run log as served, server log
    with lab.server.client() as http:
        tasks = http.get("/api/tasks/active").text + http.get(f"/api/tasks/{done['id']}").text
        log = http.get("/api/vms/screen/logs/latest").json()["text"]
    assert "VNC server is running at vnc://:[redacted]@127.0.0.1:" in log
    for text in (tasks, log, str(done), lab.server.log_path.read_text()):
        assert password not in text
    lab.stop("screen")


def test_the_console_closes_when_the_vm_stops(lab: ConsoleLab) -> None:
    lab.seed("stopping")
    lab.start("stopping")
    with lab.ws("stopping", "vnc") as ws:
        client = RFBClient(WebSocketTransport(ws))
        client.handshake(lab.info("stopping")["password"])
        lab.server.tart("stop", "stopping")
        messages, code, reason = drain(ws)
    assert (code, reason) == (4410, "the VM stopped")
    assert all(isinstance(m, bytes) for m in messages)  # no text frame on a VNC socket


def test_reasons_when_there_is_nothing_to_show(lab: ConsoleLab) -> None:
    lab.seed("off")
    info = lab.info("off")
    assert info["available"] is False and info["code"] == "not_running"
    assert info["password"] is None
    assert "not running" in info["reason"]
    with lab.ws("off", "vnc") as ws:
        messages, code, reason = drain(ws)
    assert (messages, code) == ([], 4409)
    assert "start it" in reason
    with lab.ws("ghost", "vnc") as ws:
        assert drain(ws)[1] == 4404


def test_screen_sharing_mode_uses_the_guest_ip_and_its_user(lab: ConsoleLab) -> None:
    lab.seed("guest")
    lab.start("guest", display="vnc")
    info = lab.info("guest")
    vm = lab.call("GET", "/api/vms/guest")
    assert info["mode"] == "vnc" and info["address"] == f"{vm['ip_address']}:5900"
    assert (info["username"], info["password"], info["credentials_saved"]) == (
        "admin",
        "admin",
        False,
    )
    saved = lab.call(
        "PUT", "/api/vms/guest/console/credentials", {"username": "me", "password": "hunter2x"}
    )
    assert (saved["username"], saved["password"], saved["credentials_saved"]) == (
        "me",
        "hunter2x",
        True,
    )
    store = lab.server.home / "console-credentials.json"
    assert store.stat().st_mode & 0o777 == 0o600
    # (relaying to <ip>:5900 is tested against local TCP servers in test_relay.py: a simulated
    # guest's IP leads nowhere, or to whatever a sandbox's network answers there)
    assert "hunter2x" not in lab.server.log_path.read_text()
    lab.call("DELETE", "/api/vms/guest/console/credentials", expect=204)
    assert lab.info("guest")["username"] == "admin"
    lab.stop("guest")


def test_no_token_no_connection(lab: ConsoleLab) -> None:
    lab.seed("guarded")
    lab.start("guarded")
    for token in (None, "wrong", ""):
        with lab.ws("guarded", "vnc", token=token or None) as ws:
            messages, code, _ = drain(ws)
        assert (messages, code) == ([], 1008)
    origin = "http://evil.example"
    with pytest.raises(InvalidStatus) as refused:
        lab.ws("guarded", "vnc", origin=origin)
    assert refused.value.response.status_code == 403
    lab.stop("guarded")


def test_query_parameters_cannot_choose_the_target(lab: ConsoleLab) -> None:
    """Whatever the query says, the relay goes to the VM's own display."""
    lab.seed("pinned")
    lab.start("pinned")
    decoy = socket.socket()
    decoy.bind(("127.0.0.1", 0))
    decoy.listen()
    decoy.settimeout(0.5)
    port = decoy.getsockname()[1]
    query = f"host=127.0.0.1&port={port}&target=127.0.0.1:{port}&url=vnc://127.0.0.1:{port}"
    try:
        with lab.ws("pinned", "vnc", query=query) as ws:
            client = RFBClient(WebSocketTransport(ws))
            client.handshake(lab.info("pinned")["password"])
            assert client.name == "pinned"
        with pytest.raises(TimeoutError):
            decoy.accept()
    finally:
        decoy.close()
    lab.stop("pinned")
