"""The Orchard terminal and screen against a controller that behaves like the real one
(issue 17, points 5, 6, 7 and 10's exec text): a client that falls 128 frames behind is
dropped, an empty stdin frame closes stdin for good, dials and SSH logins are retried until
`wait` runs out, and a command without an exit status gets an error frame."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from taartenfabriek.backends.orchard.context import Connection
from taartenfabriek.console.orchard import OrchardShell
from tests.console.conftest import ConsoleLab, drain, errors
from tests.console.fake_connect import ConsoleOrchard
from tests.console.test_orchard_console import running
from tests.console.test_terminal_live import read_until
from tests.server import ServerProcess, free_port

pytestmark = pytest.mark.integration

FLOOD = 12_000_000
"""Bytes of output: far more than the sockets between the controller and us buffer, so a
client that reads only at the browser's pace falls 128 frames behind."""
PACED = (
    'awk \'BEGIN { s = "x"; while (length(s) < 4000) s = s s; s = substr(s, 1, 4000); '
    'for (i = 0; i < 3000; i++) { printf "%s", s; fflush(); '
    'if (i % 25 == 0) system("sleep 0.01") } }\''
)
"""FLOOD bytes in bursts of 100 kB, as a guest's SSH delivers them rather than as fast as a
local pty can: a reader that keeps up is never 128 frames behind, one that stops always is."""
ACCOUNT = ("ops", "ops-token-123")


@pytest.fixture
def controller(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ConsoleOrchard]:
    for key in list(os.environ):
        if key.startswith("ORCHARD_"):
            monkeypatch.delenv(key, raising=False)
    (tmp_path / "orchard-home").mkdir()
    monkeypatch.setenv("ORCHARD_HOME", str(tmp_path / "orchard-home"))
    fake = ConsoleOrchard(
        dev=False, phase_seconds=0.05, wait_scale=0.05, send_buffer=64 * 1024
    ).start()
    fake.store.add_worker("mac-1")
    fake.store.add_account(*ACCOUNT, ["compute:read", "compute:write"])
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
            "TARTVM_ORCHARD_SERVICE_ACCOUNT": ACCOUNT[0],
            "TARTVM_ORCHARD_TOKEN": ACCOUNT[1],
            "TARTVM_GITHUB_API_URL": nowhere,
            "TARTVM_REGISTRY_URL": nowhere,
            "TARTVM_CONSOLE_CHECK_INTERVAL": "0.2",
        }
    ).start()
    return ConsoleLab(server)


def waits(controller: ConsoleOrchard) -> list[str]:
    return [parse_qs(c["query"]).get("wait", ["10"])[0] for c in controller.connects]


# --- 5. output under load ---------------------------------------------------------------


def _open_and_wait(
    controller: ConsoleOrchard, name: str, command: str, **options: int
) -> tuple[bytes, int, tuple[str, str] | None]:
    """Open a shell in-process, read nothing until the controller is done with the command
    (or has dropped us), then everything: (output, exit code, failure)."""
    controller.store.create_vm({"name": name, "image": "ghcr.io/cirruslabs/ubuntu:latest"})
    controller.wait_for(lambda: controller.vm(name)["status"] == "running")
    connection = Connection(url=controller.url, service_account=ACCOUNT[0], token=ACCOUNT[1])

    async def scenario() -> tuple[bytes, int, tuple[str, str] | None]:
        shell = await OrchardShell.open(connection, name, command, cols=80, rows=24, **options)
        deadline = time.monotonic() + 60
        while not (controller.drops or controller.outcomes) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)  # a browser that reads nothing
        output = bytearray()
        while chunk := await shell.read():
            output += chunk
        code, failure = await shell.wait(), shell.failure()
        await shell.close()
        return bytes(output), code, failure

    return asyncio.run(scenario())


def test_the_controllers_socket_is_read_while_the_browser_reads_nothing(
    controller: ConsoleOrchard,
) -> None:
    """Between the controller and a client that stopped reading only the sockets' buffers
    hold output (here 64 kB on the controller's side): the shell must drain its socket
    into its own buffer at once, or the controller drops it after 128 frames."""
    output, code, failure = _open_and_wait(controller, "drained", f"{PACED}; exit 7")
    assert controller.drops == [] and controller.outcomes == ["finished"]
    assert output.count(b"x") == FLOOD
    assert (code, failure) == (7, None)


def test_output_faster_than_the_browser_reads_arrives_whole(
    lab: ConsoleLab, controller: ConsoleOrchard
) -> None:
    """The same through the server to a browser that reads only once the command is done."""
    running(lab, controller, "busy", os="linux")
    with lab.ws("busy", "terminal") as ws:
        read_until(ws, r".")
        ws.send(f"{PACED}; exit 3\r".encode())
        controller.wait_for(lambda: controller.outcomes, timeout=60)
        messages, code, _ = drain(ws, timeout=60)
    assert controller.outcomes == ["finished"]
    output = sum(m.count(b"x") for m in messages if isinstance(m, bytes))
    assert output >= FLOOD
    assert '{"type": "exit", "code": 3}' in [m for m in messages if isinstance(m, str)]
    assert code == 1000


def test_a_dropped_session_is_said_to_be_dropped(controller: ConsoleOrchard) -> None:
    """With a small local buffer the controller does drop us: say so, not "exit -1"."""
    flood = f"head -c {FLOOD} /dev/zero | tr '\\000' x"
    _output, code, failure = _open_and_wait(controller, "flood", flood, buffer_bytes=64 * 1024)
    assert controller.drops == ["flood"]
    controller.wait_for(lambda: controller.outcomes)
    assert controller.outcomes == ["dropped"]
    assert code == -1 and failure is not None
    assert failure[0] == "unavailable" and "falls 128 messages behind" in failure[1]


# --- 6. empty stdin frames --------------------------------------------------------------


def test_an_empty_message_never_closes_the_shells_stdin(
    lab: ConsoleLab, controller: ConsoleOrchard
) -> None:
    running(lab, controller, "quiet", os="linux")
    with lab.ws("quiet", "terminal") as ws:
        read_until(ws, r".")
        ws.send(b"")
        ws.send(b"echo hel''lo\r")
        read_until(ws, r"\r\nhello\r\n")
        ws.send(b"exit 5\r")
        messages, _code, _ = drain(ws)
    assert [m for m in messages if isinstance(m, str)] == ['{"type": "exit", "code": 5}']
    assert controller.outcomes == ["finished"]


# --- 7. short waits, explained ----------------------------------------------------------


def test_a_screen_without_screen_sharing_fails_fast_and_says_why(
    lab: ConsoleLab, controller: ConsoleOrchard
) -> None:
    running(lab, controller, "dark")
    controller.forward[("dark", 5900)] = ("127.0.0.1", free_port())  # nothing listens there
    with lab.ws("dark", "vnc") as ws:
        messages, code, reason = drain(ws, timeout=30)
    assert (messages, code) == ([], 4502)
    assert "Screen Sharing" in reason and "within 10 s" in reason
    assert waits(controller) == ["10"]


def test_a_guest_with_other_ssh_credentials_is_explained(
    lab: ConsoleLab, controller: ConsoleOrchard
) -> None:
    controller.logins["locked"] = ("admin", "not-admin")
    running(lab, controller, "locked", os="linux")
    with lab.ws("locked", "terminal") as ws:
        messages, code, _ = drain(ws, timeout=30)
    (error,) = errors(messages)
    assert error["code"] == "connect_failed" and code == 4502
    assert "could not log in to locked over SSH" in error["message"]
    assert "admin/admin" in error["message"] and "unable to authenticate" in error["message"]
    assert waits(controller) == ["10"]


# --- 10. a command without an exit status -------------------------------------------------


def test_a_killed_shell_is_not_a_shell_that_could_not_run(
    lab: ConsoleLab, controller: ConsoleOrchard
) -> None:
    running(lab, controller, "victim", os="linux")
    with lab.ws("victim", "terminal") as ws:
        read_until(ws, r".")
        ws.send(b"kill -9 $PPID\r")  # the command the controller runs (sh -c ...)
        messages, _code, _ = drain(ws)
    (error,) = errors(messages)
    assert "could not run a shell" not in error["message"]
    assert "ended without an exit status" in error["message"]
