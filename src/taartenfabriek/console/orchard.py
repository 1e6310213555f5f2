"""Console and terminal of Orchard VMs, through the controller (orchard-api.md §10.2, §10.3).

The guest's Screen Sharing is the controller's port-forward WebSocket to port 5900 (raw TCP
bytes in binary messages); the shell is its exec WebSocket (the controller SSHes into the VM
with the VM's user name and password; JSON text frames with base64 data). This server opens
both with the service account's Basic auth and relays them: a browser cannot send that header,
and must never hold the account's token.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import shlex
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ..backends.orchard.client import USER_AGENT, path
from ..backends.orchard.context import Connection
from .endpoints import ConsoleUnavailable

SCREEN_PORT = 5900
WAIT = 60
"""Seconds the controller may wait for the VM to run and be dialled (the CLI uses 60)."""
OPEN_TIMEOUT = WAIT + 15
MAX_MESSAGE = 4 * 1024 * 1024


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
    if status == 503:
        return ConsoleUnavailable(
            "connect_failed", f"Orchard cannot reach {name}'s worker or guest{detail}"
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


class OrchardShell:
    """A terminal `Shell` over the controller's exec socket (one command, interactive, tty)."""

    def __init__(self, socket: ClientConnection, name: str) -> None:
        self.socket = socket
        self.name = name
        self.exit_code: int | None = None
        self.error: str | None = None

    @classmethod
    async def open(
        cls, connection: Connection, name: str, command: str, *, cols: int, rows: int
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
        return cls(await open_controller_socket(connection, route, params, name, "a shell"), name)

    async def read(self) -> bytes:
        while True:
            try:
                message = await self.socket.recv()
            except ConnectionClosed:
                return b""
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
                    return data
            elif kind == "exit":
                code = (frame.get("exit") or {}).get("code")
                self.exit_code = code if isinstance(code, int) else -1
            elif kind == "error":
                self.error = str(frame.get("error") or "the command failed")

    async def write(self, data: bytes) -> None:
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
        if self.error is None:
            return None
        return "connect_failed", f"Orchard could not run a shell in {self.name}: {self.error}"

    async def close(self) -> None:
        await self.socket.close()  # without a session, Orchard ends the command
