"""The fake Orchard controller plus its two connect WebSockets (orchard-api.md §10.2, §10.3).

`ConsoleOrchard` is `FakeOrchard` with `/v1/vms/{name}/port-forward` (dials the VM's IP, or the
local address a test put in `forward`, and relays raw bytes in binary messages) and
`/v1/vms/{name}/exec` (runs the command with `/bin/sh -c` on this machine, on a pty when
`tty=true`, speaking the JSON frames). Each handshake's headers are kept in `connects`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import json
import os
import struct
import subprocess
import termios
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.fakes.orchard import FakeOrchard
from tests.fakes.orchard.auth import roles_of
from tests.fakes.orchard.store import Reply, Store

CONNECT_ROLES = {"compute:write", "compute:connect"}


async def _deny(websocket: WebSocket, status: int, message: str | None = None) -> None:
    body = json.dumps({"message": message}).encode() if message else b""
    await websocket.send_denial_response(
        Response(body, status_code=status, media_type="application/json")
    )


async def _admit(websocket: WebSocket) -> dict[str, Any] | None:
    """Auth and the VM (running): the VM, or None after a denial answered the handshake."""
    app = websocket.app
    app.state.connects.append(dict(websocket.headers))
    roles = roles_of(websocket)  # type: ignore[arg-type]
    if roles is None or not ("*" in roles or roles & CONNECT_ROLES):
        await _deny(websocket, 401)
        return None
    store: Store = app.state.store
    try:
        with store.lock:
            vm = dict(store.vm(websocket.path_params["name"]))
    except Reply as reply:
        await _deny(websocket, reply.status, reply.message)
        return None
    if vm.get("status") != "running" or vm.get("powerState") not in (None, "running"):
        await _deny(websocket, 408, f"VM is not running on '{vm.get('worker', '')}' worker")
        return None
    vm["ip"] = store.ips.get(vm["uid"])
    return vm


async def port_forward(websocket: WebSocket) -> None:
    raw = websocket.query_params.get("port", "")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        await _deny(websocket, 400)
        return
    vm = await _admit(websocket)
    if vm is None:
        return
    port = int(raw)
    host, target = websocket.app.state.forward.get((vm["name"], port), (vm["ip"], port))
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, target), 2)
    except (OSError, TimeoutError):
        await _deny(websocket, 500)
        return
    await websocket.accept()

    async def up() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            writer.write(message.get("bytes") or (message.get("text") or "").encode())
            await writer.drain()

    async def down() -> None:
        while data := await reader.read(65536):
            await websocket.send_bytes(data)

    tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()
    writer.close()
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(1000)


def _controlling_tty() -> None:  # pragma: no cover - runs in the child
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def exec_(websocket: WebSocket) -> None:
    params = websocket.query_params
    command = params.get("command", "")
    if not command:
        await _deny(websocket, 400, '"command" parameter cannot be empty')
        return
    vm = await _admit(websocket)
    if vm is None:
        return
    websocket.app.state.commands.append(command)
    rows, cols = int(params.get("rows", "24")), int(params.get("cols", "80"))
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    process = subprocess.Popen(
        ["/bin/sh", "-c", command],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=_controlling_tty,
        env={**os.environ, "SHELL": "/bin/sh"},
    )
    os.close(slave)
    await websocket.accept()
    loop = asyncio.get_running_loop()
    output: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        output.put_nowait(data)
        if not data:
            loop.remove_reader(master)

    loop.add_reader(master, readable)

    async def down() -> None:
        while data := await output.get():
            frame = {"type": "stdout", "data": base64.b64encode(data).decode(), "watermark": 0}
            await websocket.send_text(json.dumps(frame))

    async def up() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            frame = json.loads(message.get("text") or "{}")
            if frame.get("type") == "stdin":
                os.write(master, base64.b64decode(frame.get("data", "")))
            elif frame.get("type") == "resize":
                size = frame.get("terminal") or {}
                fcntl.ioctl(
                    master,
                    termios.TIOCSWINSZ,
                    struct.pack("HHHH", size.get("rows", 24), size.get("cols", 80), 0, 0),
                )

    reader, writer = asyncio.create_task(down()), asyncio.create_task(up())
    await asyncio.wait([reader, writer], return_when=asyncio.FIRST_COMPLETED)
    writer.cancel()
    if process.poll() is None:  # the client went away: the command ends with it
        process.kill()
    code = await asyncio.to_thread(process.wait)
    with contextlib.suppress(OSError):
        loop.remove_reader(master)
    os.close(master)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.send_text(json.dumps({"type": "exit", "exit": {"code": code}}))
        await websocket.close(1000, "Command finished")


@dataclass
class ConsoleOrchard(FakeOrchard):
    forward: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    connects: list[dict[str, str]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        app = super().app()
        app.router.routes.extend(
            [
                WebSocketRoute(self.prefix + "/v1/vms/{name}/port-forward", port_forward),
                WebSocketRoute(self.prefix + "/v1/vms/{name}/exec", exec_),
            ]
        )
        app.state.forward = self.forward
        app.state.connects = self.connects
        app.state.commands = self.commands
        return app
