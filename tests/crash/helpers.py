"""What crash and fault tests look at: simulated `tart` processes of one TART_HOME, VM locks,
tasks as the API reports them, and a task's WebSocket."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taartenfabriek.core import procs
from taartenfabriek.sim.locks import holder_pid
from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"

# A pull that lasts, a boot that lasts: long enough to crash in the middle of them.
SLOW = {"TART_SIM_PULL_SECONDS": "30", "TART_SIM_IP_RETRY_SECONDS": "0.1"}


def tart_processes(server: ServerProcess, *args: str) -> list[int]:
    """Live simulated `tart <args...>` processes of this server's TART_HOME."""
    found = []
    wanted = f"TART_HOME={server.tart_home}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        ident = procs.identity(pid)
        if ident is None or "taartenfabriek.sim" not in ident.argv:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted in environ and ident.argv[-len(args) :] == args:
            found.append(pid)
    return found


def eventually(check: Callable[[], Any], timeout: float = 15, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"not true within {timeout} s")
        time.sleep(0.05)


def vm_holder(server: ServerProcess, name: str) -> int:
    """The pid of the VM's `tart run` (0: not running), read from Tart's own lock."""
    return holder_pid(str(server.tart_home / "vms" / name / "config.json"))


def seeded(server: ServerProcess, *names: str) -> ServerProcess:
    for name in names:
        seed_vm(server.tart_home, name)
    return server


def task(server: ServerProcess, task_id: str) -> dict[str, Any]:
    with server.client() as client:
        response = client.get(f"/api/tasks/{task_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())


def post(server: ServerProcess, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    with server.client() as client:
        response = client.post(path, json=body or {})
        assert response.status_code == 200, response.text
        return dict(response.json())


def running_with(server: ServerProcess, task_id: str, fragment: str) -> dict[str, Any]:
    """Wait until the task runs and its log has a line containing `fragment`."""

    def check() -> dict[str, Any] | None:
        current = task(server, task_id)
        assert current["status"] in ("pending", "running"), current
        return current if any(fragment in line for line in current["logs"]) else None

    return dict(eventually(check, message=f"task never logged {fragment!r}"))


def stored_processes(server: ServerProcess) -> list[tuple[str, int, list[str]]]:
    """The task store's process records, read as another process would."""
    import sqlite3

    with sqlite3.connect(server.home / "tasks.sqlite3") as conn:
        rows = conn.execute("SELECT task_id, pid, args FROM task_processes").fetchall()
    return [(task_id, pid, json.loads(args)) for task_id, pid, args in rows]


def alive(pid: int) -> bool:
    return pid > 0 and procs.identity(pid) is not None
