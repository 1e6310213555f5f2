"""Run the Tart simulator (`tart-sim`) from tests: a `tart` shim, environments, seeding.

Used by the simulator's own suite (tests/sim) and by server tests. Typical use:

    from tests.simtools import TartSim, tart_sim  # noqa: F401  (tart_sim is a fixture)

    def test_something(tart_sim: TartSim) -> None:
        tart_sim.seed_vm("dev", os_name="darwin")
        assert tart_sim.run("list", "--format", "json").returncode == 0
        # point the server at tart_sim.tart (a path) with tart_sim.env as its environment

Every `tart` invocation is a real subprocess of `python -m taartenfabriek.sim`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from taartenfabriek.demo import write_tart_shim
from taartenfabriek.sim.locks import holder_pid
from taartenfabriek.sim.seed import seed_image, seed_vm

# Short delays so whole suites stay fast; every one is still real wall-clock time.
FAST_KNOBS: dict[str, str] = {
    "TART_SIM_BOOT_SECONDS": "0.3",
    "TART_SIM_PULL_SECONDS": "0.5",
    "TART_SIM_PUSH_SECONDS": "0.3",
    "TART_SIM_PROGRESS_INTERVAL": "0.05",
    "TART_SIM_IP_RETRY_SECONDS": "0.1",
    "TART_SIM_IPSW_SECONDS": "0.3",
    "TART_SIM_INSTALL_SECONDS": "0.3",
    "TART_SIM_STOP_SECONDS": "0",
    "TART_SIM_SUSPEND_SECONDS": "0.05",
    "TART_SIM_GUEST_STOP_SECONDS": "0.2",
    "TART_SIM_LIMIT_SECONDS": "0.3",
    "TART_SIM_LOCK_SECONDS": "0.05",
    "TART_SIM_VNC_IP_TIMEOUT": "2",
}


_HOLD_LOCK = """
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
print("locked", flush=True)
time.sleep(3600)
"""


def tart_argv() -> list[str]:
    """An argv prefix that runs the simulator without a shim."""
    return [sys.executable, "-m", "taartenfabriek.sim"]


def sim_env(tart_home: Path, *, fast: bool = True, **knobs: object) -> dict[str, str]:
    """os.environ without TART_SIM_*/CI, plus TART_HOME, FAST_KNOBS (if `fast`) and `knobs`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TART_SIM_") and key not in ("CI", "TART_HOME")
    }
    env["TART_HOME"] = str(tart_home)
    if fast:
        env.update(FAST_KNOBS)
    env.update({key: str(value) for key, value in knobs.items()})
    return env


class TartSim:
    """One simulated Tart installation: a TART_HOME, a `tart` shim and an environment."""

    def __init__(self, root: Path, *, fast: bool = True, **knobs: object) -> None:
        self.home = root / "tart-home"
        self.tart = write_tart_shim(root / "bin")
        self.env = sim_env(self.home, fast=fast, **knobs)
        self.processes: list[subprocess.Popen[str]] = []

    # --- running tart ---------------------------------------------------------------------

    def run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float = 30,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `tart <args>` to completion; stdout/stderr decoded as UTF-8, `\r` kept as is."""
        result = subprocess.run(
            [str(self.tart), *args],
            input=None if input is None else input.encode(),
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            env=env or self.env,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return subprocess.CompletedProcess(
            result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
        )

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start `tart <args>` in its own session with piped text output (universal newlines:
        `\r` reads as a line end); killed at teardown."""
        process = subprocess.Popen(
            [str(self.tart), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or self.env,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_vm(self, name: str, *flags: str, wait: bool = True) -> subprocess.Popen[str]:
        """`tart run <name> --no-graphics <flags>`; by default waits until it is running."""
        process = self.spawn("run", name, "--no-graphics", *flags)
        if wait:
            run_info = self.vm_dir(name) / ".sim-run.json"
            self.wait_until(
                lambda: (
                    process.poll() is not None
                    or (self.lock_holder(name) == process.pid and run_info.exists())
                )
            )
        return process

    def hold_vm_lock(self, name: str) -> subprocess.Popen[str]:
        """Another process holding the VM lock (as `tart push` does): the VM shows `running`."""
        config = str(self.vm_dir(name) / "config.json")
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, config],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.processes.append(process)
        assert process.stdout is not None
        assert process.stdout.readline() == "locked\n"
        return process

    # --- looking at state -----------------------------------------------------------------

    def vm_dir(self, name: str) -> Path:
        return self.home / "vms" / name

    def lock_holder(self, name: str) -> int:
        """PID holding the VM lock (what `tart list` calls running), 0 if none."""
        return holder_pid(str(self.vm_dir(name) / "config.json"))

    def is_running(self, name: str) -> bool:
        return self.lock_holder(name) != 0

    @staticmethod
    def wait_until(condition: object, timeout: float = 10.0, interval: float = 0.02) -> None:
        assert callable(condition)
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(interval)

    # --- seeding --------------------------------------------------------------------------

    def seed_vm(self, name: str, **options: object) -> Path:
        """Create `vms/<name>` directly on disk (see taartenfabriek.sim.seed.seed_vm)."""
        return Path(seed_vm(self.home, name, **options))  # type: ignore[arg-type]

    def seed_image(self, remote_name: str, **options: object) -> Path:
        """Put a pulled image in the OCI cache (see taartenfabriek.sim.seed.seed_image)."""
        return Path(seed_image(self.home, remote_name, **options))  # type: ignore[arg-type]

    # --- teardown -------------------------------------------------------------------------

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def tart_sim(tmp_path: Path) -> Iterator[TartSim]:
    """A fresh simulated Tart (fast knobs) whose spawned processes die at teardown."""
    sim = TartSim(tmp_path)
    try:
        yield sim
    finally:
        sim.close()
