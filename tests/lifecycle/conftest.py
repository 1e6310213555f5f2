"""A real server against tart-sim with the simulator's short lifecycle delays, plus helpers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.sim.seed import seed_image, seed_vm
from tests.server import ServerProcess

LIFECYCLE_SIM = {
    "TART_SIM_BOOT_SECONDS": "0.3",
    "TART_SIM_IP_RETRY_SECONDS": "0.1",
    "TART_SIM_SUSPEND_SECONDS": "0.05",
    "TART_SIM_GUEST_STOP_SECONDS": "0.3",
    "TART_SIM_STOP_SECONDS": "0",
    "TART_SIM_IPSW_SECONDS": "0.6",
    "TART_SIM_INSTALL_SECONDS": "0.6",
    "TART_SIM_PROGRESS_INTERVAL": "0.05",
}


@dataclass
class Lab:
    """One server, its Tart home, and the `tart run`s started behind its back."""

    server: ServerProcess
    outside: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def seed(self, name: str, os_name: str = "linux", **options: Any) -> None:
        seed_vm(self.server.tart_home, name, os_name=os_name, **options)

    def seed_image(self, reference: str) -> None:
        seed_image(self.server.tart_home, reference)

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        with self.server.client() as client:
            response = client.post(path, json=body)
        assert response.status_code == expect, response.text
        return response.json()

    def request(self, method: str, path: str, body: Any = None) -> Any:
        with self.server.client() as client:
            return client.request(method, path, json=body)

    def get(self, path: str) -> Any:
        with self.server.client() as client:
            response = client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def done(self, task: dict[str, Any], status: str = "completed", timeout: float = 30) -> Any:
        final = self.server.wait_task(task["id"], timeout=timeout)
        assert final["status"] == status, final
        return final

    def act(self, path: str, body: Any = None, status: str = "completed") -> Any:
        return self.done(self.post(path, body), status)

    def start(self, name: str, body: Any = None) -> Any:
        return self.act(f"/api/vms/{name}/start", body)

    def run_info(self, name: str) -> dict[str, Any]:
        """What the live sim `tart run` recorded (sim-only file): its pid and argv."""
        path = self.server.tart_home / "vms" / name / ".sim-run.json"
        deadline = time.monotonic() + 10
        while not path.exists():
            assert time.monotonic() < deadline, f"{name} has no live run"
            time.sleep(0.05)
        return dict(json.loads(path.read_text()))

    def run_args(self, name: str) -> list[str]:
        """The arguments of the VM's live `tart run` (after `run`, the name excluded)."""
        argv = list(self.run_info(name)["argv"])
        assert argv[0] == "run" and argv[-1] == name, argv
        return argv[1:-1]

    def tart_state(self, name: str) -> str:
        raw = json.loads(self.server.tart("get", name, "--format", "json").stdout)
        return str(raw["State"])

    def vm(self, name: str) -> dict[str, Any]:
        self.post("/api/vms/refresh")
        return dict(self.get(f"/api/vms/{name}"))

    def run_outside(self, name: str, *flags: str) -> subprocess.Popen[bytes]:
        """`tart run` from a terminal, not through the server."""
        process = subprocess.Popen(
            [str(self.server.tart_path), "run", *flags, name],
            env=self.server.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.outside.append(process)
        self.run_info(name)
        return process

    def close(self) -> None:
        for process in self.outside:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture
def lab(server_factory: Any) -> Iterator[Lab]:
    lab = Lab(server_factory(env_overrides=LIFECYCLE_SIM).start())
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture
def make_lab(server_factory: Any) -> Iterator[Any]:
    """Labs with extra environment (e.g. a guest that ignores shutdown requests)."""
    labs: list[Lab] = []

    def make(root: Path | None = None, **env: str) -> Lab:
        lab = Lab(server_factory(root=root, env_overrides={**LIFECYCLE_SIM, **env}).start())
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        lab.close()
