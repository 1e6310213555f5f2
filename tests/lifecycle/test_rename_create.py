"""Rename a stopped VM, and create VMs from scratch (empty Linux disk, macOS from an IPSW)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def names(lab: Lab) -> list[str]:
    return sorted(vm["name"] for vm in lab.get("/api/vms"))


def test_rename(lab: Lab) -> None:
    lab.seed("dev")
    lab.seed("Other")
    with lab.server.client() as client:
        client.put("/api/vms/dev/start-options", json={"display": "none"}).raise_for_status()
    done = lab.act("/api/vms/dev/rename", {"new_name": "prod"})
    assert done["command"][1:] == ["rename", "dev", "prod"]
    assert done["result"]["name"] == "prod"
    assert names(lab) == ["Other", "prod"]
    assert lab.request("GET", "/api/vms/dev").status_code == 404
    assert lab.get("/api/vms/prod/start-options")["options"]["display"] == "none"
    lab.start("prod")  # the options followed the VM
    assert lab.run_args("prod") == ["--no-graphics"]

    response = lab.request("POST", "/api/vms/prod/rename", {"new_name": "later"})
    assert response.status_code == 409 and "is running" in response.text
    lab.act("/api/vms/prod/stop")

    cases = [
        ({"new_name": "other"}, 409, "already exists"),  # case-insensitive collision
        ({"new_name": "OTHER"}, 409, "already exists"),
        ({"new_name": "PROD"}, 409, "letter case only"),
        ({"new_name": "prod"}, 422, "already has that name"),
        ({"new_name": "-x"}, 422, "letter or digit"),
        ({"new_name": "a/b"}, 422, "letter or digit"),
        ({"new_name": "orchard-x"}, 422, "Orchard"),
        ({}, 422, "new_name"),
    ]
    for body, status, message in cases:
        response = lab.request("POST", "/api/vms/prod/rename", body)
        assert response.status_code == status, (body, response.text)
        assert message in response.text, (body, response.text)
    assert lab.request("POST", "/api/vms/nope/rename", {"new_name": "x"}).status_code == 404
    assert names(lab) == ["Other", "prod"]


def test_create_empty_linux_ready_for_an_installer(lab: Lab, tmp_path: Path) -> None:
    iso = tmp_path / "debian-13-arm64-netinst.iso"
    iso.write_bytes(b"\0" * 4096)
    body = {"name": "deb", "os": "linux", "disk_size": 20, "iso": str(iso), "cpu": 2, "memory": 2}
    done = lab.act("/api/vms/create-empty", body)
    assert done["action"] == "create-empty" and done["vm"] == "deb"
    assert done["result"]["os"] == "linux" and done["result"]["disk_size"] == "20G"
    commands = [line for line in done["logs"] if line.startswith("$ ")]
    assert commands[0].endswith("create deb --linux --disk-size 20")
    assert commands[1].endswith("set deb --cpu 2 --memory 2048")
    config = lab.get("/api/vms/deb/config")
    assert (config["raw"]["OS"], config["disk_size"], config["cpu"]) == ("linux", "20G", 2)

    state = lab.get("/api/vms/deb/start-options")
    assert state["saved"] and state["options"]["display"] == "vnc-experimental"
    assert state["options"]["disks"] == [{"path": str(iso), "read_only": True}]
    lab.start("deb")
    assert lab.run_args("deb") == ["--vnc-experimental", "--no-graphics", "--disk", f"{iso}:ro"]
    lab.act("/api/vms/deb/stop")

    # the plain form: no installer, defaults
    done = lab.act("/api/vms/create-empty", {"name": "bare"})
    assert lab.get("/api/vms/bare/config")["disk_size"] == "50G"
    assert done["result"]["cpu"] is None

    cases = [
        ({"name": "DEB"}, 409, "already exists"),
        ({"name": "x", "iso": str(tmp_path / "missing.iso")}, 422, "does not exist"),
        ({"name": "x", "iso": "/isos/ubuntu-amd64.iso"}, 422, "arm64"),
        ({"name": "x", "ipsw": "latest"}, 422, "ipsw installs macOS"),
        ({"name": "x", "os": "macos", "ipsw": "ftp://a/b"}, 422, "ipsw is"),
        ({"name": "x", "os": "macos", "ipsw": str(tmp_path / "no.ipsw")}, 422, "not a file"),
        ({"name": "x", "disk_size": 0}, 422, "disk_size"),
        ({"name": "create"}, 422, "reserved"),
        ({"name": "x", "os": "windows"}, 422, "os"),
    ]
    for body, status, message in cases:
        response = lab.request("POST", "/api/vms/create-empty", body)
        assert response.status_code == status, (body, response.text)
        assert message in response.text, (body, response.text)


def test_create_macos_from_ipsw_with_progress(lab: Lab) -> None:
    task = lab.post("/api/vms/create-empty", {"name": "mac", "os": "macos", "disk_size": 60})
    # a second create of the same name while the first runs: the name is busy
    response = lab.request("POST", "/api/vms/create-empty", {"name": "mac"})
    assert response.status_code == 409 and "busy" in response.text
    with connect(f"{lab.server.ws_url}/ws/tasks/{task['id']}?token={lab.server.token}") as ws:
        messages = [json.loads(message) for message in ws]
    final = messages[-1]
    assert final["status"] == "completed", final
    assert final["command"][1:] == ["create", "mac", "--from-ipsw", "latest", "--disk-size", "60"]
    progress = [m["progress"] for m in messages if m["progress"] is not None]
    assert progress[-1] == 100 and any(0 < p < 100 for p in progress)
    assert progress == sorted(progress)  # download then install: one rising bar
    assert "Installing OS..." in final["logs"]
    assert "Looking up the latest supported IPSW..." in final["logs"]
    config = lab.get("/api/vms/mac/config")
    assert (config["raw"]["OS"], config["disk_size"]) == ("darwin", "60G")
    assert lab.get("/api/vms/mac/start-options")["options"]["display"] == "vnc-experimental"

    # a second install reuses the cached IPSW: the install alone fills the bar
    done = lab.act("/api/vms/create-empty", {"name": "mac2", "os": "macos"})
    assert "Using cached *.ipsw file..." in done["logs"] and done["progress"] == 100
