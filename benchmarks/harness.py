"""What every benchmark shares: the real server in a subprocess, tart-sim, seeding, statistics.

The server is the installed entry point (`.venv/bin/taartenfabriek serve`), started the way
a user starts it, against `tart-sim` through a `tart` shim. Timestamps that must be compared
across processes use `time.time()` (one clock for every process on the machine); durations
inside one process use `time.perf_counter()`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from taartenfabriek.sim.seed import seed_vm

FAIL_HOST = "bench-fail.invalid"
"""Pulls of images on this host fail at once in the shim (see `write_shim`)."""

SIM_KNOBS = {
    "TART_SIM_BOOT_SECONDS": "0.2",
    "TART_SIM_IP_RETRY_SECONDS": "0.1",
    "TART_SIM_STOP_SECONDS": "0",
    "TART_SIM_PULL_SECONDS": "1",
    "TART_SIM_PROGRESS_INTERVAL": "0.1",
    "CI": "1",
}


# --- statistics ----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def loadavg() -> str:
    """The 1-minute load average, for printing next to a figure."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


# --- processes ---------------------------------------------------------------------------


def ensure_bytecode() -> None:
    """Compile what the server imports, as an installer does (pip, `uv sync --compile-bytecode`).

    Without bytecode, and with PYTHONDONTWRITEBYTECODE set as on this project's machines,
    every server start compiles FastAPI, pydantic & co. from source (~0.8 s of CPU): that is
    a property of the checkout, not of the server. Up-to-date files are skipped.
    """
    import compileall
    import sysconfig

    import taartenfabriek

    for folder in (sysconfig.get_paths()["purelib"], str(Path(taartenfabriek.__file__).parent)):
        compileall.compile_dir(folder, quiet=1, workers=0)


def entry_point() -> Path:
    """The installed `taartenfabriek` console script next to this interpreter."""
    script = Path(sys.executable).parent / "taartenfabriek"
    if not script.exists():
        raise SystemExit(f"no installed entry point at {script}: run `uv sync` first")
    return script


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def write_shim(bin_dir: Path) -> Path:
    """A `tart` that runs tart-sim with this interpreter.

    One fast path: `tart pull bench-fail.invalid/...` prints a few of Tart's lines and fails in
    the shell, without starting Python. The memory benchmark fills the task store with 10,000
    such failed pulls; through the simulator each would cost ~40 ms of CPU.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "tart"
    python = shlex.quote(sys.executable)
    shim.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = pull ]; then case "$2" in {FAIL_HOST}/*)\n'
        '  printf "pulling %s...\\npulling manifest...\\n" "$2"\n'
        '  printf "Error: UnexpectedHTTPStatusCode(statusCode: 404, details: \\"\\")\\n" >&2\n'
        "  exit 1;;\n"
        "esac; fi\n"
        f'exec {python} -m taartenfabriek.sim "$@"\n'
    )
    shim.chmod(0o755)
    return shim


def vm_name(index: int) -> str:
    return f"vm-{index:04d}"


def is_darwin(index: int) -> bool:
    """Every third VM is macOS, but only two of the first ten (the ones started): Apple runs
    at most two macOS guests at once, and the server refuses a start beyond that."""
    return index in (0, 3) if index < 10 else index % 3 == 0


def seed_vms(tart_home: Path, count: int) -> list[str]:
    """`count` stopped VMs written straight into TART_HOME (the simulator's own layout)."""
    names = [vm_name(i) for i in range(count)]
    now = time.time()
    for index, name in enumerate(names):
        seed_vm(
            tart_home,
            name,
            os_name="darwin" if is_darwin(index) else "linux",
            cpu=2 + index % 7,
            memory_mb=4096 + 1024 * (index % 5),
            disk_gb=50 + index % 50,
            allocated_gb=float(index % 40),
            accessed=now - 60 * index,
        )
    return names


@dataclass
class Sim:
    """A simulated Tart installation: TART_HOME, shim, environment and running VMs."""

    root: Path
    knobs: dict[str, str] = field(default_factory=dict)
    runs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = self.root / "tart-home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.tart = write_shim(self.root / "bin")
        self.trace = self.root / "tart-trace.log"

    def env(self, *, trace: bool = False, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TART_SIM_", "TARTVM_")) and k not in ("CI", "TART_HOME")
        }
        env.update(SIM_KNOBS)
        env.update(self.knobs)
        env["TART_HOME"] = str(self.home)
        if trace:
            env["TART_SIM_TRACE"] = str(self.trace)
        env.update(extra)
        return env

    def run(self, *args: str, trace: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.tart), *args],
            env=self.env(trace=trace),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def timed(self, *args: str) -> float:
        """Wall seconds of one `tart <args>` run to completion (must succeed)."""
        started = time.perf_counter()
        result = self.run(*args)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"tart {' '.join(args)} failed: {result.stderr}")
        return elapsed

    def start_vms(self, names: Sequence[str], timeout: float = 60) -> None:
        """`tart run <name> --no-graphics` for each, detached; wait until each has an IP."""
        for name in names:
            self.runs.append(
                subprocess.Popen(
                    [str(self.tart), "run", name, "--no-graphics"],
                    env=self.env(),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + timeout
        for name in names:
            while self.run("ip", name).returncode != 0:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not boot")
                time.sleep(0.1)

    def stop_all(self) -> None:
        """End every `tart run` this benchmark started, and any the server started."""
        for process in self.runs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
        self.runs.clear()
        for pid in self.running_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def running_pids(self) -> list[int]:
        """PIDs holding a VM lock under this TART_HOME (runs started by the server)."""
        from taartenfabriek.sim.locks import holder_pid

        vms = self.home / "vms"
        if not vms.is_dir():
            return []
        pids = (holder_pid(str(vm / "config.json")) for vm in vms.iterdir())
        return [pid for pid in pids if pid]

    def trace_records(self) -> list[tuple[float, int, str, str]]:
        """Parsed TART_SIM_TRACE records: (time, pid, kind, text)."""
        if not self.trace.exists():
            return []
        records = []
        for raw in self.trace.read_text(errors="replace").splitlines():
            parts = raw.split("\t", 3)
            if len(parts) == 4:
                records.append((float(parts[0]), int(parts[1]), parts[2], parts[3]))
        return records

    def clear_trace(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.trace.unlink()


@dataclass
class Server:
    """`taartenfabriek serve` (the installed entry point) against a `Sim`."""

    root: Path
    sim: Sim
    trace: bool = False
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    token: str = ""

    @property
    def home(self) -> Path:
        return self.root / "state"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Local-Token": self.token}

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def environment(self) -> dict[str, str]:
        env = self.sim.env(trace=self.trace)
        env.update(
            {
                "TARTVM_HOME": str(self.home),
                "TARTVM_TART_PATH": str(self.sim.tart),
                "TARTVM_REFRESH_INTERVAL": "0",
                "TARTVM_LOG_LEVEL": "warning",
            }
        )
        env.update(self.env_extra)
        return env

    def prepare_token(self) -> str:
        """Make the state folder and token the way `taartenfabriek token` does."""
        result = subprocess.run(
            [str(entry_point()), "token", "--home", str(self.home)],
            env=self.environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        self.token = result.stdout.strip()
        return self.token

    def spawn(self) -> float:
        """Start the process; return the `time.perf_counter()` just before it was spawned."""
        if not self.token:
            self.prepare_token()
        self.port = self.port or free_port()
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - handed to the child
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(entry_point()), "serve", "--port", str(self.port)],
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return started

    def wait_ready(self, path: str = "/api/health", timeout: float = 60) -> float:
        """Poll until `path` answers 200; return the perf_counter of that answer."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout) as client:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    log = (self.root / "server.log").read_text(errors="replace")
                    raise RuntimeError(f"server exited early:\n{log}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(path).status_code == 200:
                        return time.perf_counter()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not answer {path} within {timeout} s")
                time.sleep(0.005)

    def start(self) -> Server:
        self.spawn()
        self.wait_ready()
        return self

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def wait_configs(self, count: int, timeout: float = 600) -> None:
        """Wait until the background `tart get` filler has the CPU of `count` VMs."""
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while True:
                vms = client.get("/api/vms").json()
                filled = sum(1 for vm in vms if vm.get("cpu") is not None)
                if filled >= count:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {filled}/{count} VM configs after {timeout} s")
                time.sleep(0.5)

    def wait_idle(self, timeout: float = 600) -> None:
        """Wait until no task is active."""
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while client.get("/api/tasks/active").json():
                if time.monotonic() > deadline:
                    raise RuntimeError("tasks still active")
                time.sleep(0.1)

    def wait_task(self, task_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while True:
                task: dict[str, Any] = client.get(f"/api/tasks/{task_id}").json()
                if task["status"] in ("completed", "failed"):
                    return task
                if time.monotonic() > deadline:
                    raise RuntimeError(f"task {task_id} still {task['status']}")
                time.sleep(0.02)


@contextlib.contextmanager
def running_server(root: Path, sim: Sim, **kwargs: Any) -> Iterator[Server]:
    server = Server(root=root, sim=sim, **kwargs)
    try:
        yield server.start()
    finally:
        server.stop()


def dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2))
