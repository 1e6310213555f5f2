"""Console and terminal of Orchard VMs, through the controller (orchard-api.md §10.2, §10.3).

The guest's Screen Sharing is the controller's port-forward WebSocket to port 5900 (raw TCP
bytes in binary messages); the shell is its exec WebSocket (the controller SSHes into the VM
with the VM's user name and password; JSON text frames with base64 data). This server opens
both with the service account's Basic auth and relays them: a browser cannot send that header,
and must never hold the account's token.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import shlex
from collections import deque
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ..backends.orchard.client import USER_AGENT, path
from ..backends.orchard.context import Connection
from .endpoints import ConsoleUnavailable

SCREEN_PORT = 5900
WAIT = 10
"""Seconds the controller retries the worker's dial and the SSH login before it gives up
(internal/controller/api_vms_portforward.go:46-91, api_vms_exec.go:45, :133-155). We open a
console only for a VM we know runs, so a longer wait only makes a guest without Screen
Sharing, or with other SSH credentials, hang (the CLI's 60 s is for VMs still starting)."""
OPEN_TIMEOUT = WAIT + 15
MAX_MESSAGE = 4 * 1024 * 1024
BUFFER_BYTES = 16 * 1024 * 1024
"""Terminal output held here for a slow browser. The controller gives each exec client a
128-frame queue and drops a client that falls behind (internal/controller/
exec_sessions.go:243-271, :631-634), so its socket is read at once, whatever the browser does."""
CHUNK = 64 * 1024
DROPPED = "Command finished"
"""The close reason of a session that ended, with or without its exit frame
(internal/controller/api_vms_exec.go:286-292)."""


def _ws_url(connection: Connection, route: str, params: dict[str, str | int]) -> str:
    parts = urlsplit(connection.url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    base = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc, base + route, urlencode(params), ""))


def _explain(status: int, body: bytes, name: str, what: str) -> ConsoleUnavailable:
    try:
        message = json.loads(body).get("message") if body else None
    except (ValueError, AttributeError):
        message = None
    detail = f": {message}" if isinstance(message, str) and message else ""
    if status == 404:
        return ConsoleUnavailable("not_found", f"Orchard has no VM {name!r}")
    if status in (408, 417):
        return ConsoleUnavailable("not_running", f"{name} is not running in Orchard{detail}")
    if status in (401, 403):
        return ConsoleUnavailable(
            "unavailable",
            f"the Orchard service account may not connect to VMs (it needs compute:connect or "
            f"compute:write){detail}",
        )
    if status == 503 and what == "a shell":
        # exec logs in over SSH with the VM's own `username`/`password`, default admin/admin
        # (pkg/resource/v1/v1.go:116-130), retrying until `wait` runs out
        return ConsoleUnavailable(
            "connect_failed",
            f"Orchard could not log in to {name} over SSH within {WAIT} s{detail}. The "
            "controller logs in with the username and password of the VM's Orchard spec "
            "(admin/admin when it has none): the guest needs SSH on with those credentials",
        )
    if status == 503:
        return ConsoleUnavailable(
            "connect_failed", f"Orchard cannot reach {name}'s worker or guest{detail}"
        )
    if status == 500 and what == f"port {SCREEN_PORT}" and not detail:
        # the worker's dial of the guest is retried until `wait` runs out, then the
        # controller answers the deadline as an empty 500 (api_vms_portforward.go:72-91)
        return ConsoleUnavailable(
            "connect_failed",
            f"Orchard's worker could not connect to port {SCREEN_PORT} of {name} within "
            f"{WAIT} s (HTTP 500): is Screen Sharing (Remote Management) on in the guest? "
            "Linux guests usually have no VNC server",
        )
    return ConsoleUnavailable(
        "connect_failed", f"Orchard could not open {what} of {name} (HTTP {status}){detail}"
    )


async def open_controller_socket(
    connection: Connection, route: str, params: dict[str, str | int], name: str, what: str
) -> ClientConnection:
    headers = {}
    if connection.auth is not None:
        account, token = connection.auth
        credentials = base64.b64encode(f"{account}:{token}".encode()).decode()
        headers["Authorization"] = f"Basic {credentials}"
    url = _ws_url(connection, route, params)
    options: dict[str, Any] = {}
    if url.startswith("wss:"):
        options["ssl"] = connection.ssl_context()
    try:
        return await connect(
            url,
            additional_headers=headers,
            user_agent_header=USER_AGENT,  # with one, port-forward speaks binary messages
            proxy=None,
            open_timeout=OPEN_TIMEOUT,
            max_size=MAX_MESSAGE,
            compression=None,
            **options,
        )
    except InvalidStatus as exc:
        body = bytes(exc.response.body or b"")
        raise _explain(exc.response.status_code, body, name, what) from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise ConsoleUnavailable(
            "connect_failed", f"cannot reach the Orchard controller at {connection.url}: {exc}"
        ) from exc


class PortForward:
    """A relay `Remote` over the controller's port-forward socket."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    @classmethod
    async def open(cls, connection: Connection, name: str) -> PortForward:
        route = path("vms", name, "port-forward")
        params: dict[str, str | int] = {"port": SCREEN_PORT, "wait": WAIT}
        return cls(await open_controller_socket(connection, route, params, name, "port 5900"))

    async def read(self) -> bytes:
        try:
            message = await self.socket.recv()
        except ConnectionClosed:
            return b""
        return message.encode() if isinstance(message, str) else message

    async def write(self, data: bytes) -> None:
        await self.socket.send(data)

    async def close(self) -> None:
        await self.socket.close()


class _Output:
    """Bytes from the controller for the browser, at most `limit` of them held at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.ended = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()

    async def put(self, data: bytes) -> None:
        while self.size >= self.limit:  # the browser is this far behind: wait for it
            self._writable.clear()
            await self._writable.wait()
        self.chunks.append(data)
        self.size += len(data)
        self._readable.set()

    def end(self) -> None:
        self.ended = True
        self._readable.set()

    async def get(self) -> bytes:
        while not self.chunks:
            if self.ended:
                return b""
            self._readable.clear()
            await self._readable.wait()
        parts = [self.chunks.popleft()]
        taken = len(parts[0])
        while self.chunks and taken + len(self.chunks[0]) <= CHUNK:
            parts.append(self.chunks.popleft())
            taken += len(parts[-1])
        self.size -= taken
        self._writable.set()
        return b"".join(parts)


class OrchardShell:
    """A terminal `Shell` over the controller's exec socket (one command, interactive, tty).

    A reader task drains the socket into `_Output` as frames arrive; the relay takes from
    there at the browser's pace.
    """

    def __init__(
        self, socket: ClientConnection, name: str, *, buffer_bytes: int = BUFFER_BYTES
    ) -> None:
        self.socket = socket
        self.name = name
        self.exit_code: int | None = None
        self.error: str | None = None
        self.output = _Output(buffer_bytes)
        self._pump = asyncio.create_task(self._read_socket())

    @classmethod
    async def open(
        cls,
        connection: Connection,
        name: str,
        command: str,
        *,
        cols: int,
        rows: int,
        buffer_bytes: int = BUFFER_BYTES,
    ) -> OrchardShell:
        params: dict[str, str | int] = {
            "command": f"/bin/sh -c {shlex.quote(command)}",
            "interactive": "true",
            "tty": "true",
            "rows": rows,
            "cols": cols,
            "wait": WAIT,
        }
        route = path("vms", name, "exec")
        socket = await open_controller_socket(connection, route, params, name, "a shell")
        return cls(socket, name, buffer_bytes=buffer_bytes)

    async def _read_socket(self) -> None:
        try:
            async for message in self.socket:
                try:
                    frame = json.loads(message)
                except ValueError:
                    continue
                if not isinstance(frame, dict):
                    continue
                kind = frame.get("type")
                if kind in ("stdout", "stderr"):
                    try:
                        data = base64.b64decode(str(frame.get("data", "")))
                    except (binascii.Error, ValueError):
                        continue
                    if data:
                        await self.output.put(data)
                elif kind == "exit":
                    code = (frame.get("exit") or {}).get("code")
                    self.exit_code = code if isinstance(code, int) else -1
                elif kind == "error":
                    self.error = str(frame.get("error") or "the command failed")
        except ConnectionClosed:
            pass
        finally:
            self.output.end()

    async def read(self) -> bytes:
        return await self.output.get()

    async def write(self, data: bytes) -> None:
        if not data:
            return  # an empty `data` closes the command's stdin for good (exec_sessions.go:488)
        frame = {"type": "stdin", "data": base64.b64encode(data).decode()}
        with contextlib.suppress(ConnectionClosed):
            await self.socket.send(json.dumps(frame))

    async def resize(self, cols: int, rows: int) -> None:
        frame = {"type": "resize", "terminal": {"rows": rows, "cols": cols}}
        with contextlib.suppress(ConnectionClosed):
            await self.socket.send(json.dumps(frame))

    async def wait(self) -> int:
        return self.exit_code if self.exit_code is not None else -1

    def failure(self) -> tuple[str, str] | None:
        if self.error is not None:
            if self.error.startswith("failed to start command"):
                return (
                    "connect_failed",
                    f"Orchard could not run a shell in {self.name}: {self.error}",
                )
            # sshexec.go:300-306: the command ended without an exit status (killed by a
            # signal, or the guest's SSH went away)
            return "unavailable", (
                f"the shell in {self.name} ended without an exit status (it was killed, or "
                f"the SSH connection to the guest was lost): {self.error}"
            )
        if self.exit_code is not None:
            return None
        if self.socket.close_code == 1000 and self.socket.close_reason == DROPPED:
            return "unavailable", (
                f"Orchard ended the shell in {self.name}: the output came faster than it "
                "could be passed on (the controller drops a client that falls 128 messages "
                "behind, and ends its command). Send less output at once, e.g. through "
                "`less` or into a file"
            )
        return "unavailable", (
            f"the connection to the Orchard controller ended before the shell in {self.name} "
            "did (no exit status)"
        )

    async def close(self) -> None:
        await self.socket.close()  # without a session, Orchard ends the command
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump
