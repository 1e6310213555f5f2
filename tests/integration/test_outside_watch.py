"""The inventory notices what a user does at a terminal, with the periodic refresh off.

The server watches Tart's files (the VMs' locks, `vms/`, the OCI cache) and refreshes when they
change; `TARTVM_REFRESH_INTERVAL=0` (tests/server.py) leaves nothing else that would look. Each
step waits at most `SEEN_WITHIN` s for `GET /api/vms` (never a tart call itself) to show it: a
functional check that the change is noticed at all, not a speed target. Where tart keeps its
VMs outside the server's TART_HOME, the files say nothing and `/api/health` says so.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from taartenfabriek.sim.seed import seed_vm
from tests.bench.test_rules import _invocations
from tests.integration.test_outside_changes import _hide_tart_home, _run_outside
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

SEEN_WITHIN = 5.0


def _states(client: httpx.Client) -> dict[str, str]:
    return {vm["name"]: vm["status"] for vm in client.get("/api/vms").json()}


def _until(client: httpx.Client, seen: Callable[[dict[str, str]], bool], what: str) -> None:
    deadline = time.monotonic() + SEEN_WITHIN
    while not seen(states := _states(client)):
        assert time.monotonic() < deadline, f"{what}: the inventory still shows {states}"
        time.sleep(0.1)


@pytest.fixture
def outside_runs() -> Iterator[list[subprocess.Popen[bytes]]]:
    runs: list[subprocess.Popen[bytes]] = []
    yield runs
    for process in runs:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_terminal_commands_show_without_a_refresh(
    server: ServerProcess, outside_runs: list[subprocess.Popen[bytes]]
) -> None:
    with server.client() as client:
        assert client.get("/api/vms").json() == []
        health = client.get("/api/health").json()
        assert health["inventory_watch"] == "files", health

        server.tart("create", "made", "--linux")
        _until(client, lambda s: s.get("made") == "stopped", "tart create")

        outside_runs.append(_run_outside(server, "made"))
        _until(client, lambda s: s.get("made") == "running", "tart run")

        server.tart("stop", "made")
        _until(client, lambda s: s.get("made") == "stopped", "tart stop")

        server.tart("clone", "made", "copy")
        _until(client, lambda s: s.get("copy") == "stopped", "tart clone")

        server.tart("rename", "copy", "renamed")
        _until(client, lambda s: "copy" not in s and s.get("renamed") == "stopped", "tart rename")

        server.tart("delete", "renamed")
        _until(client, lambda s: "renamed" not in s and "made" in s, "tart delete")
        assert client.get("/api/health").json()["inventory_watch"] == "files"


def test_nothing_changes_nothing_runs(server_factory: Any, tmp_path: Path) -> None:
    """The watcher reads files only: while nothing changes, it starts no `tart` (a few
    of its once-a-second polls are let pass)."""
    trace = tmp_path / "trace.log"
    server = server_factory(env_overrides={"TART_SIM_TRACE": str(trace)})
    for name in ("a", "b"):
        seed_vm(server.tart_home, name)
    server.start()
    with server.client() as client:
        _until(client, lambda s: s == {"a": "stopped", "b": "stopped"}, "first refresh")
        time.sleep(0.5)  # the filler's and first poll's aftermath, if any
        trace.unlink(missing_ok=True)
        time.sleep(3)
        assert client.get("/api/health").json()["inventory_watch"] == "files"
    assert _invocations(trace) == []


def test_pulled_and_deleted_images_show(server: ServerProcess) -> None:
    """The OCI cache is watched too: `tart pull` / `tart delete` of an image at a terminal."""
    server.tart("pull", "ghcr.io/cirruslabs/debian:latest", timeout=60)
    name = "ghcr.io/cirruslabs/debian:latest"
    with server.client() as client:
        _until(client, lambda s: name in s, "tart pull")
        server.tart("delete", name)
        _until(client, lambda s: name not in s, "tart delete of an image")


def test_vms_kept_elsewhere_fall_back_to_the_periodic_refresh(server: ServerProcess) -> None:
    _hide_tart_home(server)
    server.tart("create", "elsewhere", "--linux")
    with server.client() as client:
        assert "elsewhere" in _states_of(client.post("/api/vms/refresh"))
        health = client.get("/api/health").json()
        assert health["inventory_watch"] == "periodic", health
        assert "periodic refresh" in health["inventory_watch_reason"]


def _states_of(response: httpx.Response) -> dict[str, str]:
    return {vm["name"]: vm["status"] for vm in response.json()}
