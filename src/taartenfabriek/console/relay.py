"""Moving bytes between a browser WebSocket and the VM, and ending that cleanly.

One relay per socket: each direction has at most one chunk in flight (a TCP read of 64 KiB
waits until the WebSocket took the previous one; a WebSocket message is written and drained
before the next is read), so a slow side slows the other instead of filling memory. A watcher
ends the relay when nothing moved for the idle timeout or the VM stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .models import CLOSE_CODES, TOO_BIG

READ_CHUNK = 64 * 1024
MAX_MESSAGE = 1024 * 1024
"""The largest message a browser may send (VNC input is a few bytes; a paste can be more)."""

StillRunning = Callable[[], Awaitable[bool]]


class Activity:
    """When bytes last moved, either way."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()

    @property
    def idle(self) -> float:
        return time.monotonic() - self.last


def close_reason(message: str) -> str:
    """A close frame's reason holds at most 123 bytes of UTF-8."""
    data = message.encode()
    if len(data) <= 123:
        return message
    return data[:120].decode("utf-8", "ignore") + "..."


async def close(websocket: WebSocket, code: int, message: str) -> None:
    if websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
            await websocket.close(code=code, reason=close_reason(message))


async def fail(websocket: WebSocket, kind: str, message: str, *, frame: bool) -> None:
    """End a socket for a reason the UI explains: a JSON error frame (terminal sockets; a VNC
    client would read it as screen data) and a close code from `CLOSE_CODES`."""
    if frame and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
            await websocket.send_text(
                json.dumps({"type": "error", "code": kind, "message": message})
            )
    await close(websocket, CLOSE_CODES.get(kind, 1011), message)


async def watch(
    activity: Activity, *, idle_timeout: float, interval: float, still_running: StillRunning
) -> tuple[str, str]:
    """Returns (kind, sentence) when the socket should end: idle too long, or the VM stopped."""
    while True:
        await asyncio.sleep(min(interval, max(0.05, idle_timeout - activity.idle)))
        if activity.idle >= idle_timeout:
            minutes = idle_timeout / 60
            span = f"{minutes:g} minutes" if minutes >= 1 else f"{idle_timeout:g} s"
            return "idle", f"closed after {span} without activity"
        if not await still_running():
            return "vm_stopped", "the VM stopped"


async def stopped_soon(still_running: StillRunning, within: float = 5.0) -> bool:
    """After the VM's side hung up: does the VM stop within a moment? (A VM's VNC server goes
    away just before its `tart run` process does; on a busy Mac that moment was seen to pass
    2 s, and the pane then blamed the VNC server for a VM that had stopped.)"""
    deadline = time.monotonic() + within
    while await still_running():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.2)
    return True


class MessageTooBig(Exception):
    pass


async def receive(websocket: WebSocket) -> bytes | str | None:
    """The browser's next message (bytes or text); None when it went away."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    data: bytes | str | None = message.get("bytes")
    if data is None:
        data = message.get("text") or ""
    if len(data) > MAX_MESSAGE:
        raise MessageTooBig
    return data


class Remote(Protocol):
    """The VM's side of a relay: a TCP connection, or a controller's port-forward socket."""

    async def read(self) -> bytes:
        """The next bytes; b"" once the other side has hung up."""
        ...

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


class TcpRemote:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int, timeout: float) -> TcpRemote:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        return cls(reader, writer)

    async def read(self) -> bytes:
        return await self.reader.read(READ_CHUNK)

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


Deliver = Callable[[bytes | str], Awaitable[str | None]]
"""Takes one browser message to the VM's side; returns why the relay ends ("remote"), or None."""


async def _up(websocket: WebSocket, deliver: Deliver) -> str:
    while True:
        try:
            data = await receive(websocket)
        except MessageTooBig:
            return "too_big"
        except WebSocketDisconnect:
            return "browser"
        if data is None:
            return "browser"
        ended = await deliver(data)
        if ended is not None:
            return ended


async def _down(
    websocket: WebSocket, read: Callable[[], Awaitable[bytes]], activity: Activity
) -> str:
    while data := await read():
        activity.touch()
        try:
            await websocket.send_bytes(data)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return "browser"
    return "remote"


async def relay(
    websocket: WebSocket,
    activity: Activity,
    *,
    deliver: Deliver,
    read: Callable[[], Awaitable[bytes]],
    idle_timeout: float,
    interval: float,
    still_running: StillRunning,
    frame: bool,
    vm_side_ended: Callable[[], Awaitable[None]],
    hang_up: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Relay browser messages to the VM's side (`deliver`) and its output back (`read`, b""
    once it ended) next to a watcher, until one of the three ends; stop the others, then
    close the browser's socket with the reason.

    Each direction has at most one chunk in flight. The screen and the terminal differ in what
    a message means (`deliver`) and in two things at the end, hence the parameters: what the
    VM's side ending means (`vm_side_ended`: did the VM stop, or the shell's exit code) and
    whether the VM's side is hung up before the browser is told (`hang_up`; the terminal
    passes None and closes the shell itself afterwards, because its exit code is read after
    its output ended). `frame`: the reason also goes as a JSON frame (terminal sockets; a VNC
    client would read it as screen data). An exception in a direction is a bug: it is raised
    to the caller (which closes with 1011).
    """
    up = asyncio.create_task(_up(websocket, deliver))
    down = asyncio.create_task(_down(websocket, read, activity))
    watcher = asyncio.create_task(
        watch(activity, idle_timeout=idle_timeout, interval=interval, still_running=still_running)
    )
    tasks = {up, down, watcher}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if hang_up is not None:
            await hang_up()
    if watcher in done:
        kind, message = watcher.result()
        await fail(websocket, kind, message, frame=frame)
        return
    outcome = (up if up in done else down).result()
    if outcome == "too_big":
        await close(websocket, TOO_BIG, f"messages are limited to {MAX_MESSAGE} bytes")
    elif outcome == "remote":
        await vm_side_ended()
    else:
        await close(websocket, 1000, "closed")


async def relay_screen(
    websocket: WebSocket,
    remote: Remote,
    *,
    idle_timeout: float,
    interval: float,
    still_running: StillRunning,
) -> None:
    """RFB bytes between the browser and the VM's VNC server, until one side ends. Binary
    messages become the byte stream; text frames are not part of RFB and are dropped. Any
    error of the VNC side (e.g. a reset connection) is that side ending."""
    activity = Activity()

    async def deliver(data: bytes | str) -> str | None:
        if isinstance(data, bytes) and data:
            activity.touch()
            try:
                await remote.write(data)
            except Exception:
                return "remote"
        return None

    async def read() -> bytes:
        try:
            return await remote.read()
        except Exception:
            return b""

    async def ended() -> None:
        if await stopped_soon(still_running):
            await fail(websocket, "vm_stopped", "the VM stopped", frame=False)
        else:
            await close(websocket, 1000, "the VNC server closed the connection")

    await relay(
        websocket,
        activity,
        deliver=deliver,
        read=read,
        idle_timeout=idle_timeout,
        interval=interval,
        still_running=still_running,
        frame=False,
        vm_side_ended=ended,
        hang_up=remote.close,
    )
