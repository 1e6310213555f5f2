"""The browser sockets, after the token check: `/vnc` (RFB bytes to the VM's VNC server),
`/terminal` (a shell through `tart exec`) and `/serial` (the guest's serial console, a pty
this server holds).

The VM's name is the only thing a request chooses. Where the server connects and what it runs
come from its own knowledge (run logs, inventory, settings); no query parameter reaches them.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..backends.serial import SerialReader
from ..core.errors import NotFound, TaartError
from .endpoints import ConsoleUnavailable
from .models import INTERNAL_ERROR, TerminalMessage
from .relay import Activity, StillRunning, close, fail, relay, relay_screen
from .service import ConsoleService
from .terminal import Shell

log = logging.getLogger(__name__)

DEFAULT_COLS = 80
DEFAULT_ROWS = 24


async def serve_vnc(websocket: WebSocket, console: ConsoleService, name: str) -> None:
    async def session() -> None:
        with console.session():
            endpoint, still_running = await console.endpoint(name)
            remote = await console.open_screen(name, endpoint)
            log.info("console of %s: relaying to %s (%s)", name, endpoint.address, endpoint.mode)
            await relay_screen(
                websocket,
                remote,
                idle_timeout=console.settings.idle_timeout,
                interval=console.settings.check_interval,
                still_running=still_running,
            )

    await _answering_failures(websocket, name, session(), frame=False)


def _size(websocket: WebSocket, key: str, default: int) -> int:
    """`?cols=`/`?rows=`: only the first terminal size; anything odd is the default."""
    value = websocket.query_params.get(key, "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 1000 else default


async def serve_terminal(websocket: WebSocket, console: ConsoleService, name: str) -> None:
    async def session() -> None:
        with console.session():
            vm, run = await console.running_vm(name, "open a terminal")
            cols = _size(websocket, "cols", DEFAULT_COLS)
            rows = _size(websocket, "rows", DEFAULT_ROWS)
            shell = await console.open_shell(vm.name, cols=cols, rows=rows)
            try:
                await _relay_terminal(
                    websocket,
                    shell,
                    idle_timeout=console.settings.idle_timeout,
                    interval=console.settings.check_interval,
                    still_running=console.still_running(vm, run),
                    stopping=lambda: console.inventory.follow(vm.name),
                )
            finally:
                await shell.close()

    await _answering_failures(websocket, name, session(), frame=True)


async def serve_serial(websocket: WebSocket, console: ConsoleService, name: str) -> None:
    """The terminal's relay, token, Origin and idle rules on the serial pty: keys go up as
    binary frames, output comes down as binary frames; text frames (a resize) are ignored, a
    serial line has no window size. Closing the socket leaves the guest's login as it is."""

    async def session() -> None:
        with console.session():
            reader, still_running = await console.open_serial(name)
            try:
                await _relay_serial(
                    websocket,
                    reader,
                    idle_timeout=console.settings.idle_timeout,
                    interval=console.settings.check_interval,
                    still_running=still_running,
                )
            finally:
                reader.close()

    await _answering_failures(websocket, name, session(), frame=True)


async def _relay_serial(
    websocket: WebSocket,
    reader: SerialReader,
    *,
    idle_timeout: float,
    interval: float,
    still_running: StillRunning,
) -> None:
    activity = Activity()

    async def deliver(data: bytes | str) -> None:
        if isinstance(data, bytes) and data:
            activity.touch()
            await reader.write(data)

    async def ended() -> None:
        if reader.lagged:
            await fail(
                websocket, "unavailable", "the page read the serial console too slowly", frame=True
            )
        else:
            await fail(websocket, "vm_stopped", "the VM stopped", frame=True)

    await relay(
        websocket,
        activity,
        deliver=deliver,
        read=reader.read,
        idle_timeout=idle_timeout,
        interval=interval,
        still_running=still_running,
        frame=True,
        vm_side_ended=ended,
    )


async def _answering_failures(
    websocket: WebSocket, name: str, session: Coroutine[Any, Any, None], *, frame: bool
) -> None:
    """Run a socket's session; a failure ends the socket with a reason the UI explains (as a
    JSON frame too with `frame`), anything unforeseen with 1011 and a server log entry."""
    try:
        await session
    except ConsoleUnavailable as exc:
        await fail(websocket, exc.kind, exc.message, frame=frame)
    except NotFound as exc:
        await fail(websocket, "not_found", exc.detail, frame=frame)
    except TaartError as exc:
        await fail(websocket, "unavailable", exc.detail, frame=frame)
    except Exception:
        log.exception("console socket of %s failed", name)
        await close(websocket, INTERNAL_ERROR, "internal server error")


async def _relay_terminal(
    websocket: WebSocket,
    shell: Shell,
    *,
    idle_timeout: float,
    interval: float,
    still_running: StillRunning,
    stopping: Callable[[], None],
) -> None:
    """The shell's pty bytes both ways; text messages are resize frames (`TerminalMessage`).
    `stopping`: the shell says the VM stopped, which the VM's lock may not show yet."""
    activity = Activity()

    async def deliver(data: bytes | str) -> None:
        activity.touch()
        if isinstance(data, bytes):
            await shell.write(data)
            return
        try:
            message = TerminalMessage.model_validate(json.loads(data))
        except (ValueError, ValidationError):
            return
        await shell.resize(message.cols, message.rows)

    async def ended() -> None:
        """The shell's output ended: its exit code, or why it could not run."""
        code = await shell.wait()
        explained = shell.failure()
        if explained is not None:
            if explained[0] == "not_running":  # it stopped while the shell ran
                stopping()
            await fail(websocket, explained[0], explained[1], frame=True)
            return
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.send_text(json.dumps({"type": "exit", "code": code}))
        await close(websocket, 1000, f"the shell ended (exit code {code})")

    await relay(
        websocket,
        activity,
        deliver=deliver,
        read=shell.read,
        idle_timeout=idle_timeout,
        interval=interval,
        still_running=still_running,
        frame=True,
        vm_side_ended=ended,
    )
