"""The serial console through the real server: a pty the server makes, `tart run
--serial-path` on tart-sim (whose Linux guests run a getty on it), relayed at
`/ws/vms/{name}/serial` under the terminal's token, Origin and idle rules."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus

from tests.console.conftest import ConsoleLab, drain, errors
from tests.console.test_terminal_live import read_until

pytestmark = pytest.mark.integration


def start_serial(lab: ConsoleLab, name: str) -> dict[str, object]:
    task = lab.call("POST", f"/api/vms/{name}/start", {"display": "none", "serial": True})
    done = lab.server.wait_task(task["id"])
    assert done["status"] == "completed", done
    return done


def login(ws: object, user: str = "admin") -> None:
    read_until(ws, r"login: $")  # type: ignore[arg-type]
    ws.send(f"{user}\r".encode())  # type: ignore[attr-defined]
    read_until(ws, r"Password: $")  # type: ignore[arg-type]
    ws.send(b"secret\r")  # type: ignore[attr-defined]
    read_until(ws, rf"{user}@[\w-]+:~\$ $")  # type: ignore[arg-type]


def test_typing_into_the_guests_serial_console(lab: ConsoleLab) -> None:
    lab.seed("serial-vm", os_name="linux")
    done = start_serial(lab, "serial-vm")
    command = done["command"]
    assert isinstance(command, list)
    path = command[command.index("--serial-path") + 1]
    assert path.startswith("/dev/")  # the pty's slave, made by the server for this run
    assert lab.info("serial-vm")["serial"] == "/ws/vms/serial-vm/serial"
    with lab.ws("serial-vm", "serial") as ws:
        # the boot lines and the prompt were printed before the page came: kept for it
        seen = read_until(ws, r"login: $")
        assert "hvc0" in seen
        ws.send(b"admin\r")
        assert read_until(ws, r"Password: $").startswith("admin")  # the guest echoes
        ws.send(b"secret\r")
        read_until(ws, r"admin@serial-vm:~\$ $")
        ws.send(b"uname -a\r")
        assert "Linux serial-vm" in read_until(ws, r"GNU/Linux\r\n.*\$ $")
        ws.send(b"echo hello over serial\r")
        read_until(ws, r"\r\nhello over serial\r\n")
    # a second page attaches to the same console: the guest is still logged in
    with lab.ws("serial-vm", "serial") as ws:
        read_until(ws, r"hello over serial")
        ws.send(b"whoami\r")
        read_until(ws, r"\r\nadmin\r\n")
        lab.server.tart("stop", "serial-vm")
        messages, code, reason = drain(ws)
    assert (code, reason) == (4410, "the VM stopped")
    assert [e["code"] for e in errors(messages)] == ["vm_stopped"]


def test_refusals_are_explained(lab: ConsoleLab) -> None:
    lab.seed("plain", os_name="linux")
    lab.start("plain", display="none")
    with lab.ws("plain", "serial") as ws:
        messages, code, reason = drain(ws)
    (error,) = errors(messages)
    assert (error["code"], code) == ("no_serial", 4503)
    assert "not started with a serial console" in reason
    lab.stop("plain")

    with lab.ws("plain", "serial") as ws:
        messages, code, _ = drain(ws)
    assert (errors(messages)[0]["code"], code) == ("not_running", 4409)

    lab.seed("mac-serial", os_name="darwin")
    answer = lab.call(
        "POST", "/api/vms/mac-serial/start", {"display": "none", "serial": True}, expect=422
    )
    assert "serial console is for Linux guests" in str(answer)


def test_the_serial_console_needs_the_token_and_our_origin(lab: ConsoleLab) -> None:
    lab.seed("locked-serial", os_name="linux")
    start_serial(lab, "locked-serial")
    for token in (None, "wrong"):
        with lab.ws("locked-serial", "serial", token=token) as ws:
            messages, code, _ = drain(ws)
        assert (messages, code) == ([], 1008)
    with pytest.raises(InvalidStatus) as refused:
        lab.ws("locked-serial", "serial", origin=f"http://localhost:{lab.server.port + 1}")
    assert refused.value.response.status_code == 403
    lab.stop("locked-serial")


def test_a_restarted_server_says_the_console_is_gone(lab: ConsoleLab) -> None:
    """The pty's master lived in the old server: the VM runs on, its console cannot return."""
    lab.seed("survivor", os_name="linux")
    start_serial(lab, "survivor")
    with lab.ws("survivor", "serial") as ws:
        login(ws)
    lab.server.stop()
    lab.server.start()
    assert lab.call("GET", "/api/vms/survivor")["status"] == "running"
    with lab.ws("survivor", "serial") as ws:
        messages, code, reason = drain(ws)
    (error,) = errors(messages)
    assert (error["code"], code) == ("serial_lost", 4503)
    assert "stop and start the VM" in error["message"] and reason
    lab.stop("survivor")
    start_serial(lab, "survivor")  # a new run gets a new console
    with lab.ws("survivor", "serial") as ws:
        login(ws, "root")
    lab.stop("survivor")
