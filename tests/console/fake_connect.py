"""The fake Orchard controller plus its two connect WebSockets (orchard-api.md §10.2, §10.3).

`ConsoleOrchard` is `FakeOrchard` with `/v1/vms/{name}/port-forward` (dials the VM's IP, or the
local address a test put in `forward`, and relays raw bytes in binary messages) and
`/v1/vms/{name}/exec` (runs the command with `/bin/sh -c` on this machine, on a pty when
`tty=true`, speaking the JSON frames). Each handshake's headers (and its `query`) are kept in
`connects`.

Both behave as the real controller does where a client can tell (cirruslabs/orchard):
- the worker's dial (port-forward) and the SSH login (exec) are retried until `wait` runs
  out, then answered 500 empty / 503 with the SSH error
  (internal/controller/api_vms_portforward.go:72-91, api_vms_exec.go:195-239); one second
  of `wait` lasts `wait_scale` seconds here;
- each exec client gets a 128-frame queue; one that falls behind is dropped: the socket
  closes with 1000 "Command finished", no exit frame, and the command is killed
  (internal/controller/exec_sessions.go:243-271, :631-634, api_vms_exec.go:286-292, and the
  legacy policy's closeOnDetach, exec_sessions.go:24-26, :458-462);
- an empty stdin `data` closes the command's stdin for good, and a later stdin frame ends
  the session (exec_sessions.go:480-501, api_vms_exec.go:454-458);
- a command that ends without an exit status (here: the command's own process killed by
  a signal) gets an `error` frame instead of `exit` (internal/controller/sshexec/sshexec.go:300-306,
  exec_sessions.go:599-605).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import json
import os
import signal
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
EXEC_QUEUE = 128
"""Frames an exec client may be behind before the controller drops it."""
SSH_REFUSED = (
    "failed to establish SSH connection to a VM: ssh: handshake failed: ssh: unable to "
    "authenticate, attempted methods [none password], no supported methods remain"
)


async def _deny(websocket: WebSocket, status: int, message: str | None = None) -> None:
    body = json.dumps({"message": message}).encode() if message else b""
    await websocket.send_denial_response(
        Response(body, status_code=status, media_type="application/json")
    )


async def _admit(websocket: WebSocket) -> dict[str, Any] | None:
    """Auth and the VM (running): the VM, or None after a denial answered the handshake."""
    app = websocket.app
    app.state.connects.append({**websocket.headers, "query": websocket.url.query})
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


def _wait(websocket: WebSocket) -> float:
    """How long the controller retries, in this process's seconds (`wait`, default 10)."""
    raw = websocket.query_params.get("wait", "10")
    seconds = int(raw) if raw.isdigit() else 10
    scale: float = websocket.app.state.wait_scale
    return seconds * scale


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
    deadline = asyncio.get_running_loop().time() + _wait(websocket)
    while True:  # the worker's dial is retried until `wait` runs out: then an empty 500
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, target), 2)
            break
        except (OSError, TimeoutError):
            if asyncio.get_running_loop().time() >= deadline:
                await _deny(websocket, 500)
                return
            await asyncio.sleep(min(0.05, websocket.app.state.wait_scale))
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


async def _login(websocket: WebSocket, vm: dict[str, Any]) -> bool:
    """SSH into the guest with the VM's `username`/`password` (default admin/admin) until
    `wait` runs out; a guest in `logins` accepts only its own pair."""
    expected = websocket.app.state.logins.get(vm["name"])
    if expected is None:
        return True
    given = (vm.get("username") or "admin", vm.get("password") or "admin")
    deadline = asyncio.get_running_loop().time() + _wait(websocket)
    while given != expected:
        if asyncio.get_running_loop().time() >= deadline:
            await _deny(websocket, 503, SSH_REFUSED)
            return False
        await asyncio.sleep(min(0.05, websocket.app.state.wait_scale))
    return True


async def exec_(websocket: WebSocket) -> None:
    params = websocket.query_params
    command = params.get("command", "")
    if not command:
        await _deny(websocket, 400, '"command" parameter cannot be empty')
        return
    vm = await _admit(websocket)
    if vm is None or not await _login(websocket, vm):
        return
    state = websocket.app.state
    state.commands.append(command)
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
    frames: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(EXEC_QUEUE)
    dropped = asyncio.Event()

    def record(frame: dict[str, Any] | None) -> None:
        """The session's output: never waits for the client, drops it when it lags."""
        if dropped.is_set():
            return
        try:
            frames.put_nowait(frame)
        except asyncio.QueueFull:
            dropped.set()
            state.drops.append(vm["name"])

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if data:
            record({"type": "stdout", "data": base64.b64encode(data).decode()})
        else:
            loop.remove_reader(master)
            finished.set()

    finished = asyncio.Event()
    loop.add_reader(master, readable)

    async def finish() -> None:
        code = await asyncio.to_thread(process.wait)
        with contextlib.suppress(TimeoutError):  # what it wrote last is still in the pty
            await asyncio.wait_for(finished.wait(), 1.0)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # the rest of the session goes with it
        if code < 0:  # no exit status: the session reports an error instead
            error = (
                f'failed to execute command "{command}": wait: remote command exited '
                "without exit status or exit signal"
            )
            record({"type": "error", "error": error})
        else:
            record({"type": "exit", "exit": {"code": code}})
        record(None)

    async def down() -> str:
        while True:
            getter = asyncio.ensure_future(frames.get())
            lag = asyncio.ensure_future(dropped.wait())
            await asyncio.wait({getter, lag}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                return "dropped"
            lag.cancel()
            frame = getter.result()
            if frame is None:
                return "finished"
            await websocket.send_text(json.dumps(frame))

    async def up() -> str:
        stdin_closed = False
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return "client left"
            frame = json.loads(message.get("text") or "{}")
            if frame.get("type") == "stdin":
                data = base64.b64decode(frame.get("data", ""))
                if stdin_closed:
                    return "stdin frame after stdin was closed"
                if not data:  # closes the command's stdin for good
                    stdin_closed = True
                    with contextlib.suppress(OSError):
                        os.write(master, b"\x04")
                    continue
                os.write(master, data)
            elif frame.get("type") == "resize":
                size = frame.get("terminal") or {}
                fcntl.ioctl(
                    master,
                    termios.TIOCSWINSZ,
                    struct.pack("HHHH", size.get("rows", 24), size.get("cols", 80), 0, 0),
                )

    finisher = asyncio.create_task(finish())
    sender, receiver = asyncio.create_task(down()), asyncio.create_task(up())
    await asyncio.wait([sender, receiver], return_when=asyncio.FIRST_COMPLETED)
    outcome = sender.result() if sender.done() else receiver.result()
    receiver.cancel()
    sender.cancel()
    if process.poll() is None:  # the session ends, and the command with it
        process.kill()
    await asyncio.to_thread(process.wait)
    finished.set()
    finisher.cancel()
    with contextlib.suppress(OSError, ValueError):
        loop.remove_reader(master)
    os.close(master)
    state.outcomes.append(outcome)
    if outcome in ("finished", "dropped"):
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(1000, "Command finished")
    # otherwise the controller just drops the connection (no close frame)


@dataclass
class ConsoleOrchard(FakeOrchard):
    forward: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    connects: list[dict[str, str]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    """VMs whose exec client fell 128 frames behind (at the moment it did)."""
    """How each exec session ended: finished, dropped (fell behind), client left, ..."""
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)
    """VM name -> the only (user, password) its guest's SSH accepts."""
    wait_scale: float = 1.0

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
        app.state.outcomes = self.outcomes
        app.state.drops = self.drops
        app.state.logins = self.logins
        app.state.wait_scale = self.wait_scale
        return app
