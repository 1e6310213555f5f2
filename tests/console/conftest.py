"""Console fixtures: a real server against tart-sim, and helpers to start VMs and open the
console and terminal sockets the way the browser does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess
from tests.simtools import tart_sim

__all__ = ["ConsoleLab", "lab", "tart_sim"]

CONSOLE_ENV = {
    # tart-sim runs guest commands on this machine, so the terminal's login shell is ours:
    # sh, not a developer's bash whose profile may take seconds per prompt
    "SHELL": "/bin/sh",
    "TARTVM_CONSOLE_CHECK_INTERVAL": "0.2",
    "TART_SIM_NO_AGENT": "noagent",
    "TART_SIM_STOP_SECONDS": "0",
}


@dataclass
class ConsoleLab:
    server: ServerProcess

    def seed(self, name: str, os_name: str = "darwin") -> None:
        seed_vm(self.server.tart_home, name, os_name=os_name)
        self.call("POST", "/api/vms/refresh", {})

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        with self.server.client() as client:
            response = client.request(method, path, json=body)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def start(self, name: str, display: str = "vnc-experimental") -> dict[str, Any]:
        task = self.call("POST", f"/api/vms/{name}/start", {"display": display})
        done = self.server.wait_task(task["id"])
        assert done["status"] == "completed", done
        return done

    def stop(self, name: str) -> None:
        done = self.server.wait_task(self.call("POST", f"/api/vms/{name}/stop")["id"])
        assert done["status"] == "completed", done

    def info(self, name: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/vms/{quote(name, safe='')}/console"))

    def url(self, name: str, kind: str, token: str | None = "", query: str = "") -> str:
        token = self.server.token if token == "" else token
        params = [f"token={token}"] if token is not None else []
        if query:
            params.append(query)
        suffix = "?" + "&".join(params) if params else ""
        return f"{self.server.ws_url}/ws/vms/{quote(name, safe='')}/{kind}{suffix}"

    def ws(self, name: str, kind: str, **kwargs: Any) -> ClientConnection:
        url = self.url(name, kind, kwargs.pop("token", ""), kwargs.pop("query", ""))
        return connect(url, proxy=None, open_timeout=10, **kwargs)


def drain(ws: ClientConnection, timeout: float = 15) -> tuple[list[bytes | str], int, str]:
    """Every message until the server closes: (messages, close code, reason)."""
    messages: list[bytes | str] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"the socket did not close; got {messages!r}"
            messages.append(ws.recv(timeout=left))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "the server sent no close frame"
        return messages, closed.rcvd.code, closed.rcvd.reason


def errors(messages: list[bytes | str]) -> list[dict[str, Any]]:
    frames = [json.loads(m) for m in messages if isinstance(m, str)]
    return [f for f in frames if f.get("type") == "error"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleLab]:
    root: Path = tmp_path_factory.mktemp("console")
    server = ServerProcess(root=root, env_overrides=CONSOLE_ENV).start()
    try:
        yield ConsoleLab(server)
    finally:
        server.stop()
        server.stop_vms()
