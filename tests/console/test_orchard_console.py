"""Console and terminal of an Orchard VM: the server opens the controller's port-forward (to 5900)
and exec WebSockets with the service account's Basic auth and relays them to the browser."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.conftest import ConsoleLab, drain, errors
from tests.console.fake_connect import ConsoleOrchard
from tests.console.test_relay import FakeVNC
from tests.console.test_terminal_live import read_until
from tests.server import ServerProcess, free_port

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"


@pytest.fixture
def controller(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ConsoleOrchard]:
    for key in list(os.environ):
        if key.startswith("ORCHARD_"):
            monkeypatch.delenv(key, raising=False)
    (tmp_path / "orchard-home").mkdir()
    monkeypatch.setenv("ORCHARD_HOME", str(tmp_path / "orchard-home"))
    fake = ConsoleOrchard(dev=False, phase_seconds=0.05).start()
    fake.store.add_worker("mac-1")
    fake.store.add_account("ops", "ops-token-123", ["compute:read", "compute:write"])
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def lab(controller: ConsoleOrchard, server_factory: type[ServerProcess]) -> ConsoleLab:
    nowhere = f"http://127.0.0.1:{free_port()}"
    server = server_factory(
        env_overrides={
            "TARTVM_BACKEND": "orchard",
            "TARTVM_ORCHARD_URL": controller.url,
            "TARTVM_ORCHARD_SERVICE_ACCOUNT": "ops",
            "TARTVM_ORCHARD_TOKEN": "ops-token-123",
            "TARTVM_GITHUB_API_URL": nowhere,
            "TARTVM_REGISTRY_URL": nowhere,
            "TARTVM_CONSOLE_CHECK_INTERVAL": "0.2",
        }
    ).start()
    return ConsoleLab(server)


def running(lab: ConsoleLab, controller: ConsoleOrchard, name: str, **spec: str) -> None:
    controller.store.create_vm({"name": name, "image": IMAGE, **spec})
    controller.wait_for(lambda: controller.vm(name)["status"] == "running")
    lab.call("POST", "/api/vms/refresh", {})


def test_the_screen_goes_through_the_port_forward(
    lab: ConsoleLab, controller: ConsoleOrchard
) -> None:
    running(lab, controller, "mac", username="runner", password="pw-in-orchard")
    vnc = FakeVNC()
    controller.forward[("mac", 5900)] = ("127.0.0.1", vnc.port)
    try:
        info = lab.info("mac")
        assert info["available"] is True and info["mode"] == "vnc"
        assert (info["username"], info["password"]) == ("runner", "pw-in-orchard")
        assert info["address"] == "mac:5900 via Orchard's port-forward"
        with lab.ws("mac", "vnc") as ws:
            assert ws.recv(timeout=10) == b"RFB 003.008\n"
            ws.send(b"hello vnc")
            assert ws.recv(timeout=10) == b"hello vnc"
        assert vnc.accepted == 1
        (handshake,) = controller.connects
        expected = base64.b64encode(b"ops:ops-token-123").decode()
        assert handshake["authorization"] == f"Basic {expected}"
        assert handshake["user-agent"].startswith("taartenfabriek/")
        assert "ops-token-123" not in lab.server.log_path.read_text()
        assert "pw-in-orchard" not in lab.server.log_path.read_text()
    finally:
        vnc.close()


def test_a_shell_through_orchard_exec(lab: ConsoleLab, controller: ConsoleOrchard) -> None:
    running(lab, controller, "linux-box", os="linux")
    with lab.ws("linux-box", "terminal", query="cols=90&rows=20") as ws:
        read_until(ws, r".")
        ws.send(b"stty size; echo hel''lo\r")
        output = read_until(ws, r"\r\nhello\r\n")
        assert "20 90" in output
        ws.send(json.dumps({"type": "resize", "cols": 100, "rows": 33}))
        time.sleep(0.2)
        ws.send(b"stty size\r")
        read_until(ws, r"33 100")
        ws.send(b"exit 4\r")
        messages, code, _ = drain(ws)
    frames = [json.loads(m) for m in messages if isinstance(m, str)]
    assert frames == [{"type": "exit", "code": 4}]
    assert code == 1000
    (command,) = controller.commands
    assert command.startswith("/bin/sh -c ") and "exec" in command


def test_refusals_through_orchard(lab: ConsoleLab, controller: ConsoleOrchard) -> None:
    running(lab, controller, "off")
    lab.stop("off")  # through the API: Orchard powers it off
    info = lab.info("off")
    assert (info["available"], info["code"]) == (False, "not_running")
    with lab.ws("off", "terminal") as ws:
        messages, code, _ = drain(ws)
    assert code == 4409 and errors(messages)[0]["code"] == "not_running"
    # the screen of a running VM whose guest has no Screen Sharing: the dial fails (500)
    running(lab, controller, "dark")
    controller.forward[("dark", 5900)] = ("127.0.0.1", free_port())  # nothing listens there
    with lab.ws("dark", "vnc") as ws:
        messages, code, reason = drain(ws, timeout=30)
    assert (messages, code) == ([], 4502)
    assert "HTTP 500" in reason
    assert controller.connects and all("authorization" in c for c in controller.connects)
