"""What the packaging tests share: a copy of the source tree as a fresh clone has it, uv run
the way a user runs it, and a demo server started by an installed command.

Every uv call reuses the developer's (or CI's) uv cache: the packages and the build backend
(hatchling) come from it when they are there, from the registry otherwise; nothing else is
downloaded.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from taartenfabriek.demo import stop_all
from tests.server import free_port

ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv")
SKIP_COPY = {
    ".venv",
    ".git",
    "dist",
    "build",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "tmp",
}


def uv_env(**extra: str) -> dict[str, str]:
    """The test's environment without the active virtualenv (uv would warn that it is not the
    copy's) and without any of our settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
        and not key.startswith(("TARTVM_", "TART_SIM_"))
    }
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.update(extra)
    return env


def uv(
    *args: str, cwd: Path = ROOT, timeout: float = 120, cached: bool = False, **extra: str
) -> str:
    """Run uv; `cached` tries the cache alone first (no index round trips: the test stays fast
    and works offline), then, only if something is missing from it, the registry."""
    assert UV is not None
    attempts = ([UV, *args, "--offline"], [UV, *args]) if cached else ([UV, *args],)
    for argv in attempts:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=uv_env(**extra),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout
    raise AssertionError(f"uv {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def copy_source(destination: Path) -> Path:
    """The files a fresh clone has (tracked and new, not ignored ones; no .venv, no dist)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout.decode()
        files = [name for name in listed.split("\0") if name and (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = [
            path.relative_to(ROOT).as_posix()
            for path in ROOT.rglob("*")
            if path.is_file() and not SKIP_COPY & set(path.relative_to(ROOT).parts)
        ]
    for name in files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return destination


def runtime_requirements() -> dict[str, str]:
    """uv.lock's runtime dependencies for this platform, {normalised name: version}."""
    exported = uv(
        "export",
        "--frozen",
        "--no-dev",
        "--no-emit-project",
        "--no-hashes",
        "--no-header",
        "--no-annotate",
    )
    pins: dict[str, str] = {}
    for line in exported.splitlines():
        requirement, _, marker = line.partition(";")
        if "==" not in requirement or "win32" in marker:
            continue
        name, version = requirement.strip().split("==")
        pins[normalise(name)] = version
    return pins


def normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def installed(site_packages: Path) -> dict[str, str]:
    """{normalised name: version} of every distribution in a site-packages folder."""
    found = {}
    for info in site_packages.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found[normalise(name)] = version
    return found


def site_packages(venv: Path) -> Path:
    (found,) = venv.glob("lib/python3*/site-packages")
    return found


@dataclass
class DemoServer:
    base_url: str
    token: str


@contextmanager
def demo_server(
    argv: Sequence[str], home: Path, *, cwd: Path, timeout: float = 60, **extra: str
) -> Iterator[DemoServer]:
    """`argv` (a `... serve --demo` command) on a free port with its own state folder; stopped
    with SIGTERM as a user's Ctrl+C would, and its demo VMs with it."""
    port = free_port()
    env = uv_env(TARTVM_HOME=str(home), TARTVM_PORT=str(port), TARTVM_REFRESH_INTERVAL="0", **extra)
    log_path = home.parent / f"{home.name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            assert process.poll() is None, f"server exited early:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no answer in {timeout} s:\n{log_path.read_text()}"
            token_file = home / "token"
            if token_file.exists() and (token := token_file.read_text().strip()):
                try:
                    answer = httpx.get(
                        f"{base}/api/health", headers={"X-Local-Token": token}, timeout=2
                    )
                    if answer.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        yield DemoServer(base, token)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        stop_all(home / "demo")  # in case the server could not (killed): no VM outlives a test
