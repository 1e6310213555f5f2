"""The terminal through the real server: `tart exec -i -t` on a pty behind
`/ws/vms/{name}/terminal`, with resize, exit codes, and explained refusals."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection

from tests.console.conftest import CONSOLE_ENV, ConsoleLab, drain, errors
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def read_until(ws: ClientConnection, pattern: str, timeout: float = 15) -> str:
    """Terminal output (binary frames) until `pattern` (a regex) matches it."""
    seen = ""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, seen):
        left = deadline - time.monotonic()
        assert left > 0, f"never saw {pattern!r} in {seen!r}"
        try:
            message = ws.recv(timeout=left)
        except TimeoutError:
            raise AssertionError(f"never saw {pattern!r} in {seen!r}") from None
        assert isinstance(message, bytes), f"unexpected text frame {message!r}"
        seen += message.decode("utf-8", "replace")
    return seen


def until_resized(ws: ClientConnection, size: str, timeout: float = 15) -> None:
    """`stty size` until it says `size`: a resize reaches the guest's pty asynchronously (a
    SIGWINCH), so a command typed right after it may still see the old size."""
    deadline = time.monotonic() + timeout
    while True:
        ws.send(b"stty size\r")
        try:
            read_until(ws, rf"\r\n{size}\r\n", timeout=1)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def test_a_shell_in_the_vm_with_resize_and_exit_code(lab: ConsoleLab) -> None:
    lab.seed("shell", os_name="linux")
    lab.start("shell", display="none")
    with lab.ws("shell", "terminal", query="cols=100&rows=30") as ws:
        read_until(ws, r".")  # the prompt: as a person would, type once the shell is there
        ws.send(b"stty size; echo hel''lo\r")
        output = read_until(ws, r"\r\nhello\r\n")
        assert "30 100" in output
        ws.send(json.dumps({"type": "resize", "cols": 132, "rows": 43}))
        until_resized(ws, "43 132")
        ws.send(b"exit 7\r")
        messages, code, reason = drain(ws)
    frames = [json.loads(m) for m in messages if isinstance(m, str)]
    assert frames == [{"type": "exit", "code": 7}]
    assert (code, reason) == (1000, "the shell ended (exit code 7)")
    # the shell ran in the VM's sandbox folder (tart-sim runs guest commands there)
    assert (lab.server.tart_home / "vms" / "shell" / ".sim-guest").is_dir()
    lab.stop("shell")


def test_the_terminal_closes_when_the_vm_stops(lab: ConsoleLab) -> None:
    lab.seed("brief", os_name="linux")
    lab.start("brief", display="none")
    with lab.ws("brief", "terminal") as ws:
        read_until(ws, r".")
        ws.send(b"echo rea''dy\r")
        read_until(ws, r"\r\nready\r\n")
        lab.server.tart("stop", "brief")
        messages, code, reason = drain(ws)
    assert (code, reason) == (4410, "the VM stopped")
    assert [e["code"] for e in errors(messages)] == ["vm_stopped"]


def test_refusals_are_explained(lab: ConsoleLab) -> None:
    lab.seed("idle-vm", os_name="linux")
    with lab.ws("idle-vm", "terminal") as ws:
        messages, code, reason = drain(ws)
    (error,) = errors(messages)
    assert (error["code"], code) == ("not_running", 4409)
    assert error["message"] == "idle-vm is not running: start it to open a terminal."
    assert reason == error["message"]

    lab.seed("noagent", os_name="linux")  # TART_SIM_NO_AGENT: exec cannot reach the guest
    lab.start("noagent", display="none")
    with lab.ws("noagent", "terminal") as ws:
        messages, code, reason = drain(ws)
    (error,) = errors(messages)
    assert (error["code"], code) == ("no_agent", 4412)
    assert "Tart Guest Agent" in error["message"]
    shown = b"".join(m for m in messages if isinstance(m, bytes)).decode()
    assert "is the Tart Guest Agent running?\r\n" in shown  # tart's own words, in the terminal
    lab.stop("noagent")

    with lab.ws("nobody", "terminal") as ws:
        messages, code, _ = drain(ws)
    assert code == 4404 and errors(messages)[0]["code"] == "not_found"


def test_the_terminal_needs_the_token_and_our_origin(lab: ConsoleLab) -> None:
    lab.seed("locked", os_name="linux")
    lab.start("locked", display="none")
    for token in (None, "wrong"):
        with lab.ws("locked", "terminal", token=token) as ws:
            messages, code, _ = drain(ws)
        assert (messages, code) == ([], 1008)
    with pytest.raises(InvalidStatus) as refused:
        lab.ws("locked", "terminal", origin=f"http://localhost:{lab.server.port + 1}")
    assert refused.value.response.status_code == 403
    # no `tart exec` ran for the refused sockets
    assert not (lab.server.tart_home / "vms" / "locked" / ".sim-guest").exists()
    lab.stop("locked")


def test_an_idle_terminal_is_closed(server_factory: type[ServerProcess]) -> None:
    server = server_factory(
        env_overrides={**CONSOLE_ENV, "TARTVM_CONSOLE_IDLE_TIMEOUT": "1"}
    ).start()
    lab = ConsoleLab(server)
    lab.seed("sleepy", os_name="linux")
    lab.start("sleepy", display="none")
    with lab.ws("sleepy", "terminal") as ws:
        started = time.monotonic()
        messages, code, reason = drain(ws)
    assert (code, reason) == (4408, "closed after 1 s without activity")
    assert [e["code"] for e in errors(messages)] == ["idle"]
    assert 1 <= time.monotonic() - started < 5


def test_an_option_like_vm_name_never_reaches_tart_as_an_option(lab: ConsoleLab) -> None:
    """A VM named `-x` (Tart allows it; made outside the app): the terminal refuses it with a
    reason instead of running `tart exec -i -t -x ...`, which Tart reads as an option."""
    lab.seed("-x", os_name="linux")
    run = subprocess.Popen(
        [str(lab.server.tart_path), "run", "--no-graphics", "--", "-x"],
        env=lab.server.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not _running(lab, "-x"):
            assert time.monotonic() < deadline, "tart-sim never ran -x"
            time.sleep(0.1)
        lab.call("POST", "/api/vms/refresh", {})
        with lab.ws("-x", "terminal") as ws:
            messages, code, reason = drain(ws)
        frames = [json.loads(m) for m in messages if isinstance(m, str)]
        assert not [f for f in frames if f.get("type") == "exit"], frames
        refused = errors(messages)
        assert refused and "-x" in refused[0]["message"], frames
        assert code != 1000 and "refusing" in reason, (code, reason)
    finally:
        lab.server.tart("stop", "--timeout", "1", "--", "-x", check=False)
        run.wait(timeout=15)


def _running(lab: ConsoleLab, name: str) -> bool:
    listed = json.loads(lab.server.tart("list", "--format", "json").stdout)
    return any(vm["Name"] == name and vm["State"] == "running" for vm in listed)
