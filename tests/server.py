"""Run the real server in a subprocess against tart-sim, the way a user runs it.

`ServerProcess` starts `python -m taartenfabriek serve` on a free loopback port with its own
TARTVM_HOME and TART_HOME, waits until it answers, and can stop or kill it (crash tests).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from taartenfabriek.demo import write_tart_shim

FAST_SIM = {
    "TART_SIM_BOOT_SECONDS": "0.5",
    "TART_SIM_PULL_SECONDS": "1",
    "TART_SIM_PROGRESS_INTERVAL": "0.1",
    "CI": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    root: Path
    env_overrides: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    token: str = ""
    own_group: bool = False
    """Start the server in its own process group, as a shell starts a job (Ctrl+C tests)."""
    cwd: Path | None = None
    """Working directory of the server (None: the test's)."""

    @property
    def home(self) -> Path:
        return self.root / "state"

    @property
    def tart_home(self) -> Path:
        return self.root / "tart-home"

    @property
    def tart_path(self) -> Path:
        return self.root / "bin" / "tart"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Local-Token": self.token}

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TARTVM_", "TART_SIM_"))}
        env.update(FAST_SIM)
        env.update(
            {
                "TART_HOME": str(self.tart_home),
                "TARTVM_HOME": str(self.home),
                "TARTVM_TART_PATH": str(self.tart_path),
                # tart-sim keeps macOS's lease file here (a start trusts only a fresh lease)
                "TARTVM_DHCPD_LEASES": str(self.tart_home / ".sim-dhcpd_leases"),
                "TARTVM_REFRESH_INTERVAL": "0",
                "TARTVM_HOST": "127.0.0.1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env_overrides)
        return env

    def tart(
        self, *args: str, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run the simulator directly, as a user at a terminal would."""
        return subprocess.run(
            [str(self.tart_path), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def start(self, timeout: float = 20) -> ServerProcess:
        write_tart_shim(self.tart_path.parent)
        self.tart_home.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "taartenfabriek", "serve", "--port", str(self.port), *self.args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            process_group=0 if self.own_group else None,
            cwd=self.cwd,
        )
        log.close()
        deadline = time.monotonic() + timeout
        token_file = self.home / "token"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()}")
            if token_file.exists():
                self.token = token_file.read_text().strip()
                try:
                    response = httpx.get(
                        f"{self.base_url}/api/health", headers=self.headers, timeout=1
                    )
                    if response.status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout} s:\n{self.log_path.read_text()}")

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=30, **kwargs)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.stop(signal.SIGKILL)

    def stop_vms(self) -> None:
        """Stop every simulated VM still running (they outlive the server by design)."""
        vms = self.tart_home / "vms"
        if not vms.is_dir():
            return
        for vm in vms.iterdir():
            self.tart("stop", "--timeout", "1", vm.name, check=False)

    def wait_task(self, task_id: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while True:
                task = client.get(f"/api/tasks/{task_id}").json()
                if task["status"] in ("completed", "failed") or time.monotonic() > deadline:
                    return dict(task)
                time.sleep(0.05)
