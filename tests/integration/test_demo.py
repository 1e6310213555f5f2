"""`serve --demo`: a fresh simulated inventory, and its VMs stopped when the server exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.server import free_port

pytestmark = pytest.mark.integration


def _sim_runs(tart_home: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if (
            b"taartenfabriek.sim" in cmdline
            and b"run" in cmdline
            and str(tart_home).encode() in environ
        ):
            found.append(proc.name)
    return found


def test_demo_inventory_and_clean_exit(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TARTVM_", "TART_"))}
    env.update({"TARTVM_HOME": str(tmp_path / "home"), "TART_SIM_BOOT_SECONDS": "0.3"})
    process = subprocess.Popen(
        [sys.executable, "-m", "taartenfabriek", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    demo_home = tmp_path / "home" / "demo"
    try:
        deadline = time.monotonic() + 30
        vms: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            token_file = tmp_path / "home" / "token"  # the seed's place, demo or not
            if token_file.exists():
                headers = {"X-Local-Token": token_file.read_text().strip()}
                try:
                    vms = httpx.post(
                        f"http://127.0.0.1:{port}/api/vms/refresh", headers=headers
                    ).json()
                    if any(vm["ip_address"] for vm in vms):
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        base = [vm for vm in vms if vm["kind"] == "base_image"]
        working = [vm for vm in vms if vm["kind"] == "working_vm"]
        assert len(base) == 2 and len(working) == 3, vms
        assert [vm["name"] for vm in working if vm["status"] == "running"] == ["sequoia-dev"]
        assert _sim_runs(demo_home / "tart")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{port}/?token=" in output
    assert _sim_runs(demo_home / "tart") == []
    assert not (demo_home / "token").exists()
    assert oct((tmp_path / "home").stat().st_mode & 0o777) == "0o700"


def _serve(
    tmp_path: Path, *flags: str, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    """`serve --demo` (or `--demo-reset`) once it answers: (process, base URL, token header)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TARTVM_", "TART_"))}
    env.update({"TARTVM_HOME": str(tmp_path / "home"), "TART_SIM_BOOT_SECONDS": "0.3"})
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "taartenfabriek", "serve", *flags, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline, "the demo server did not answer"
        token_file = tmp_path / "home" / "token"
        try:
            headers = {"X-Local-Token": token_file.read_text().strip()}
            if httpx.get(f"{base}/api/health", headers=headers).status_code == 200:
                return process, base, headers
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)


def _names(base: str, headers: dict[str, str]) -> set[str]:
    vms = httpx.post(f"{base}/api/vms/refresh", headers=headers, timeout=30).json()
    return {vm["name"] for vm in vms if vm["kind"] == "working_vm"}


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def _wait(base: str, headers: dict[str, str], task: dict[str, object]) -> None:
    deadline = time.monotonic() + 30
    while httpx.get(f"{base}/api/tasks/{task['id']}", headers=headers).json()["status"] not in (
        "completed",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_restarted_demo_keeps_what_the_user_made_and_demo_reset_starts_over(
    tmp_path: Path,
) -> None:
    process, base, headers = _serve(tmp_path, "--demo")
    try:
        seeded = _names(base, headers)
        gone = sorted(seeded - {"sequoia-dev"})[0]
        made = httpx.post(
            f"{base}/api/vms/{gone}/clone", headers=headers, json={"new_name": "made-in-demo"}
        ).json()
        _wait(base, headers, made)
        _wait(base, headers, httpx.post(f"{base}/api/vms/{gone}/delete", headers=headers).json())
        changed = (seeded - {gone}) | {"made-in-demo"}
        assert _names(base, headers) == changed
    finally:
        _stop(process)

    process, base, headers = _serve(tmp_path, "--demo")
    try:
        assert _names(base, headers) == changed
    finally:
        _stop(process)

    process, base, headers = _serve(tmp_path, "--demo-reset")
    try:
        assert _names(base, headers) == seeded
    finally:
        _stop(process)


def test_a_demo_start_reads_the_simulators_leases(tmp_path: Path) -> None:
    """On a Mac, /var/db/dhcpd_leases knows no demo VM: the demo reads tart-sim's own file."""
    leases = tmp_path / "dhcpd_leases"  # a Mac's, with someone else's lease
    leases.write_text(
        "{\n\tname=other\n\tip_address=192.168.64.9\n\thw_address=1,aa:bb:cc:dd:ee:ff\n"
        "\tidentifier=1,aa:bb:cc:dd:ee:ff\n\tlease=0x7fffffff\n}\n"
    )
    extra = {"TARTVM_DHCPD_LEASES": str(leases), "TARTVM_START_IP_TIMEOUT": "15"}
    process, base, headers = _serve(tmp_path, "--demo", extra_env=extra)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            task = client.post("/api/vms/ubuntu-build/start").json()
            deadline = time.monotonic() + 60
            while task["status"] in ("pending", "running") and time.monotonic() < deadline:
                time.sleep(0.2)
                task = client.get(f"/api/tasks/{task['id']}").json()
        assert task["status"] == "completed", task
        assert task["result"]["ip_address"], task
    finally:
        _stop(process)
