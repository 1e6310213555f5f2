"""Editing a stopped VM's configuration (`PATCH /api/vms/{name}/config` -> `tart set`)."""

from __future__ import annotations

import json
import os

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def config_json(lab: Lab, name: str) -> dict[str, object]:
    return dict(json.loads((lab.server.tart_home / "vms" / name / "config.json").read_text()))


def test_edit_a_stopped_vm(lab: Lab) -> None:
    lab.seed("dev", cpu=4, memory_mb=4096, disk_gb=20)
    before = lab.get("/api/vms/dev/config")  # fills the cache the edit must clear
    assert (before["cpu"], before["memory"], before["disk_size"]) == (4, "4G", "20G")
    mac = config_json(lab, "dev")["macAddress"]
    with lab.server.client() as client:
        task = client.patch(
            "/api/vms/dev/config",
            json={
                "cpu": 2,
                "memory": 3,
                "display": "1920x1080",
                "disk_size": 30,
                "random_mac": True,
            },
        ).json()
    done = lab.done(task)
    assert done["action"] == "set"
    assert done["command"][1:] == [
        "set", "dev", "--cpu", "2", "--memory", "3072", "--display", "1920x1080",
        "--disk-size", "30", "--random-mac",
    ]  # fmt: skip
    assert done["result"]["changed"] == {
        "cpu": 2, "memory_mb": 3072, "display": "1920x1080", "disk_size": 30, "random_mac": True,
    }  # fmt: skip
    after = lab.get("/api/vms/dev/config")
    assert (after["cpu"], after["memory"], after["disk_size"]) == (2, "3G", "30G")
    assert after["raw"]["Display"] == "1920x1080"
    assert config_json(lab, "dev")["macAddress"] != mac
    assert lab.get("/api/vms/dev")["cpu"] == 2

    # memory in MB; the same disk size is no change
    with lab.server.client() as client:
        task = client.patch("/api/vms/dev/config", json={"memory_mb": 1536, "disk_size": 30})
    done = lab.done(task.json())
    assert done["command"][1:] == ["set", "dev", "--memory", "1536"]
    assert lab.get("/api/vms/dev/config")["memory"] == "1536M"
    with lab.server.client() as client:
        task = client.patch("/api/vms/dev/config", json={"disk_size": 30})
    done = lab.done(task.json())
    assert done["command"] is None and done["result"]["changed"] == {}


def test_refusals(lab: Lab) -> None:
    lab.seed("dev", disk_gb=50)
    cases = [
        ({"disk_size": 40}, 422, "can only grow a disk"),
        ({}, 422, "nothing to change"),
        ({"cpu": 0}, 422, "cpu"),
        ({"display": "huge"}, 422, "display"),
        ({"memory": 8, "memory_mb": 8192}, 422, "not both"),
        ({"cpu": (os.cpu_count() or 1) + 1}, 422, "CPU cores"),
        ({"bogus": 1}, 422, "bogus"),
    ]
    for body, status, message in cases:
        response = lab.request("PATCH", "/api/vms/dev/config", body)
        assert response.status_code == status, (body, response.text)
        assert message in response.text, (body, response.text)
    assert "50 GB" in lab.request("PATCH", "/api/vms/dev/config", {"disk_size": 40}).text
    assert lab.request("PATCH", "/api/vms/missing/config", {"cpu": 2}).status_code == 404

    lab.start("dev")
    response = lab.request("PATCH", "/api/vms/dev/config", {"cpu": 2})
    assert response.status_code == 409 and "is running" in response.text
    assert not lab.get("/api/vms/dev/actions")["edit"]["allowed"]
    lab.act("/api/vms/dev/stop")
    assert lab.get("/api/vms/dev/actions")["edit"]["allowed"]

    image = "ghcr.io/cirruslabs/ubuntu:latest"
    lab.seed_image(image)
    lab.post("/api/vms/refresh")
    response = lab.request("PATCH", f"/api/vms/{image}/config", {"cpu": 2})
    assert response.status_code == 409 and "base image" in response.text
    with lab.server.client() as client:
        assert [t for t in client.get("/api/tasks").json() if t["action"] == "set"] == []


def test_get_config_is_unchanged(lab: Lab) -> None:
    lab.seed("dev")
    assert set(lab.get("/api/vms/dev/config")) == {"name", "cpu", "memory", "disk_size", "raw"}


@pytest.mark.parametrize("refit", [True, False])
def test_an_edit_keeps_the_display_refit(lab: Lab, refit: bool) -> None:
    """`tart set` drops displayRefit unless told (Tart Set.swift:62): each edit passes it on."""
    lab.seed("dev", cpu=4)
    assert lab.server.tart("set", "dev", "--display-refit" if refit else "--no-display-refit")
    with lab.server.client() as client:
        task = client.patch("/api/vms/dev/config", json={"cpu": 2}).json()
    done = lab.done(task)
    assert done["command"][-1] == ("--display-refit" if refit else "--no-display-refit")
    assert config_json(lab, "dev")["displayRefit"] is refit
    assert config_json(lab, "dev")["cpuCount"] == 2


def test_create_keeps_the_sources_display_refit(lab: Lab) -> None:
    lab.seed("base")
    lab.server.tart("set", "base", "--no-display-refit")
    lab.act("/api/vms/create", {"name": "made", "source_vm": "base", "cpu": 2, "disk_size": 50})
    assert config_json(lab, "made")["displayRefit"] is False
