"""The seed's lifecycle over real HTTP and WebSocket: pull -> create -> start -> stop -> clone
-> delete, with tart-sim as tart."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from websockets.sync.client import connect

from tests.server import ServerProcess

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/ubuntu:latest"


def test_full_lifecycle(server: ServerProcess) -> None:
    with server.client() as client:
        assert client.get("/api/vms").json() == []

        # pull, followed over the WebSocket until the final state
        task = client.post("/api/vms/pull", json={"oci_url": IMAGE}).json()
        assert task["status"] in ("pending", "running") and task["action"] == "pull"
        with connect(f"{server.ws_url}/ws/tasks/{task['id']}?token={server.token}") as ws:
            messages = [json.loads(m) for m in ws]
        assert messages[0]["id"] == task["id"]
        final = messages[-1]
        assert final["status"] == "completed", final
        assert final["command"][1:] == ["pull", IMAGE]
        assert final["exit_code"] == 0
        assert "100%" in final["logs"] and final["progress"] == 100

        categorized = client.get("/api/vms/categorized").json()
        assert [vm["name"] for vm in categorized["base_images"]] == [IMAGE]
        assert categorized["working_vms"] == []
        base = categorized["base_images"][0]
        assert base["source"] == "OCI" and base["status"] == "stopped"
        assert base["digest"].startswith("sha256:")

        # create from the image with sizes
        task = client.post(
            "/api/vms/create",
            json={"name": "dev", "source_vm": IMAGE, "cpu": 6, "memory": 8, "disk_size": 60},
        ).json()
        done = server.wait_task(task["id"])
        assert done["status"] == "completed", done
        config = client.get("/api/vms/dev/config").json()
        assert (config["cpu"], config["memory"], config["disk_size"]) == (6, "8G", "60G")
        assert config["raw"]["CPU"] == 6 and config["raw"]["Memory"] == 8192

        # start: the task ends with the IP and the vnc:// URL
        task = client.post("/api/vms/dev/start", json={}).json()
        done = server.wait_task(task["id"])
        assert done["status"] == "completed", done
        assert done["command"][1:] == ["run", "--vnc-experimental", "--no-graphics", "dev"]
        ip = done["result"]["ip_address"]
        assert ip and ip.startswith("192.168.64.")
        # a Linux guest's default display is the framework's VNC on 127.0.0.1 (issue 16.2)
        assert re.fullmatch(r"vnc://127\.0\.0\.1:\d+", done["result"]["vnc_url"])
        vm = client.get("/api/vms/dev").json()
        assert vm["status"] == "running" and vm["ip_address"] == ip
        assert server.tart("list", "--format", "json").stdout.count('"running"') == 1

        # a running VM cannot be started again, nor deleted
        assert client.post("/api/vms/dev/start").status_code == 409
        assert client.post("/api/vms/dev/delete").status_code == 409

        # stop
        task = client.post("/api/vms/dev/stop").json()
        done = server.wait_task(task["id"])
        assert done["status"] == "completed", done
        assert done["command"][1:] == ["stop", "--timeout", "30", "dev"]
        vm = client.get("/api/vms/dev").json()
        assert vm["status"] == "stopped" and vm["ip_address"] is None
        assert client.post("/api/vms/dev/stop").status_code == 409

        # clone, then delete both
        task = client.post("/api/vms/dev/clone", json={"new_name": "dev-copy"}).json()
        assert server.wait_task(task["id"])["status"] == "completed"
        names = [vm["name"] for vm in client.get("/api/vms").json()]
        assert names == ["dev", "dev-copy", IMAGE]
        for name in ("dev-copy", "dev", IMAGE):
            task = client.post(f"/api/vms/{quote(name, safe='')}/delete", json={}).json()
            assert server.wait_task(task["id"])["status"] == "completed"
        assert client.get("/api/vms").json() == []
        assert client.get("/api/tasks/active").json() == []


def test_clone_and_start_is_one_task(server: ServerProcess) -> None:
    server.tart("create", "src", "--linux")
    with server.client() as client:
        client.post("/api/vms/refresh")
        task = client.post(
            "/api/vms/src/clone", json={"new_name": "started", "start_after_clone": True}
        ).json()
        done = server.wait_task(task["id"])
        assert done["status"] == "completed", done
        assert done["result"]["ip_address"].startswith("192.168.64.")
        assert done["result"]["vnc_url"].startswith("vnc://")
        assert client.get("/api/vms/started").json()["status"] == "running"
        assert client.get("/api/vms/src").json()["status"] == "stopped"


def test_refresh_sees_vms_made_outside(server: ServerProcess) -> None:
    with server.client() as client:
        assert client.get("/api/vms").json() == []
        server.tart("create", "outside", "--linux")
        assert client.get("/api/vms").json() == []  # cached: GET never calls tart
        refreshed = client.post("/api/vms/refresh", json={}).json()
        assert [vm["name"] for vm in refreshed] == ["outside"]
        vm = refreshed[0]
        assert vm["source"] == "local" and vm["status"] == "stopped" and vm["disk_size"] == 50
        assert client.get("/api/vms/outside").json()["name"] == "outside"
        assert client.get("/api/vms").headers["X-Inventory-Age"]


def test_config_cache_and_force_refresh(server: ServerProcess) -> None:
    server.tart("create", "cfg", "--linux")
    with server.client() as client:
        client.post("/api/vms/refresh")
        first = client.get("/api/vms/cfg/config").json()
        assert first["cpu"] == 4 and first["memory"] == "4G" and first["disk_size"] == "50G"
        server.tart("set", "cfg", "--cpu", "2")
        assert client.get("/api/vms/cfg/config").json()["cpu"] == 4  # cached
        assert (
            client.get("/api/vms/cfg/config", params={"force_refresh": "true"}).json()["cpu"] == 2
        )


def test_background_config_fills_the_inventory(server: ServerProcess) -> None:
    server.tart("create", "filled", "--linux")
    with server.client() as client:
        client.post("/api/vms/refresh")
        for _ in range(100):
            vm = client.get("/api/vms/filled").json()
            if vm["cpu"] is not None:
                break
            import time

            time.sleep(0.05)
        assert (vm["os"], vm["cpu"], vm["memory"], vm["display"]) == ("linux", 4, "4G", "1024x768")
