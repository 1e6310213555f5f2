"""Apple's two-macOS-guests limit: refused before any task, explained when Tart reports it."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest

from tests.server import ServerProcess

seed = pytest.importorskip("taartenfabriek.sim.seed", reason="needs tart-sim (branch sim)")
pytestmark = pytest.mark.integration


def _start(server: ServerProcess, client: Any, name: str) -> dict[str, Any]:
    response = client.post(f"/api/vms/{name}/start")
    assert response.status_code == 200, response.text
    return server.wait_task(response.json()["id"])


def _wait_running(server: ServerProcess, name: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if f'"{name}"' in server.tart("list", "--format", "json").stdout.replace("\\/", "/"):
            vms = server.tart("get", name, "--format", "json").stdout
            if '"running"' in vms:
                return
        time.sleep(0.1)
    raise AssertionError(f"{name} did not start")


def test_third_macos_vm_is_refused_before_any_task(care_server: Any) -> None:
    server = care_server()
    for name in ("mac1", "mac2", "mac3"):
        seed.seed_vm(server.tart_home, name, os_name="darwin")
    seed.seed_vm(server.tart_home, "tux", os_name="linux")
    seed.seed_image(server.tart_home, "ghcr.io/cirruslabs/macos-sonoma-base:latest")
    server.start()
    with server.client() as client:
        assert _start(server, client, "mac1")["status"] == "completed"
        assert _start(server, client, "mac2")["status"] == "completed"
        tasks_before = client.get("/api/tasks").json()

        refused = client.post("/api/vms/mac3/start")
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert "at most 2 macOS VMs at once" in detail
        assert "mac1 and mac2 are already running" in detail
        assert client.get("/api/tasks").json() == tasks_before  # no task was made

        # a clone that would start a third macOS guest is refused the same way
        clone = client.post(
            "/api/vms/ghcr.io/cirruslabs/macos-sonoma-base:latest/clone",
            json={"new_name": "mac4", "start_after_clone": True},
        )
        assert clone.status_code == 409 and "mac1 and mac2" in clone.json()["detail"]

        # Linux guests do not count
        assert _start(server, client, "tux")["status"] == "completed"

        # once one macOS VM stops, the third one starts
        stop = client.post("/api/vms/mac2/stop").json()
        assert server.wait_task(stop["id"])["status"] == "completed"
        assert _start(server, client, "mac3")["status"] == "completed"


def test_tart_reporting_the_limit_is_explained(care_server: Any) -> None:
    server = care_server()
    for name in ("mac1", "mac2", "mac3"):
        seed.seed_vm(server.tart_home, name, os_name="darwin")
    server.start()
    with server.client() as client:
        assert _start(server, client, "mac1")["status"] == "completed"
        # mac2 is started at a terminal: the server's cached inventory does not know
        outside = subprocess.Popen(
            [str(server.tart_path), "run", "--no-graphics", "mac2"],
            env=server.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_running(server, "mac2")
            done = _start(server, client, "mac3")
            assert done["status"] == "failed"
            error = done["error"]
            assert error.startswith("macOS refused to start another VM")
            assert "at most two macOS VMs at once" in error
            assert "mac1 and mac2 are running" in error
            assert "The number of VMs exceeds the system limit" in error  # Tart's own words
            assert done["exit_code"] == 1
            assert client.get("/api/vms/mac3").json()["status"] == "stopped"
            # the next attempt is refused up front: the refresh saw mac2
            assert client.post("/api/vms/mac3/start").status_code == 409
        finally:
            server.tart("stop", "mac2", check=False)
            outside.wait(15)


def test_the_limit_can_be_turned_off(care_server: Any) -> None:
    server = care_server(env={"TARTVM_MACOS_VM_LIMIT": "0"})
    for name in ("mac1", "mac2", "mac3"):
        seed.seed_vm(server.tart_home, name, os_name="darwin")
    server.start()
    with server.client() as client:
        for name in ("mac1", "mac2"):
            assert _start(server, client, name)["status"] == "completed"
        done = _start(server, client, "mac3")  # no check: Tart itself refuses
        assert done["status"] == "failed" and "macOS refused" in done["error"]
