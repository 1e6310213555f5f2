"""Every route of api.md in Orchard mode: the real server against the fake controller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
import websockets

from tests.fakes.orchard import FakeOrchard
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
Start = Callable[..., ServerProcess]


def create(server: ServerProcess, name: str, **body: Any) -> dict[str, Any]:
    with server.client() as client:
        response = client.post("/api/vms/create", json={"name": name, "source_vm": IMAGE, **body})
    assert response.status_code == 200, response.text
    return server.wait_task(response.json()["id"])


def vms(server: ServerProcess) -> dict[str, dict[str, Any]]:
    with server.client() as client:
        return {vm["name"]: vm for vm in client.get("/api/vms").json()}


def test_system_routes(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    with server.client() as client:
        health = client.get("/api/health").json()
        assert health["backend"] == "orchard"
        assert client.get("/api/tart/version").json() == {
            "version": "0.99.0-fake",
            "backend": "orchard",
        }
        assert client.get("/api/settings/github-token").json()["configured"] is False
        stored = client.post("/api/settings/github-token", json={"token": "ghp_abcdefgh123456789"})
        assert stored.json()["masked_token"] == "ghp_...6789"
        client.post("/api/settings/github-token", json={"token": ""})
        images = client.get("/api/vms/available-images").json()  # backend-independent
        assert images and {image["origin"] for image in images} == {"builtin"}
        assert "<html" in client.get("/").text.lower()
        assert client.get("/api/vms", headers={"X-Local-Token": "wrong"}).status_code in (401, 403)


def test_create_runs_and_inventory_shows_orchard_fields(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    task = create(server, "web-1", cpu=2, memory=4, disk_size=60)
    assert task["status"] == "completed", task
    result = task["result"]
    assert result["worker"] == "mac-1"
    assert result["ip_address"].startswith("192.168.64.")
    assert result["vnc_url"] is None
    assert any("cloning VM..." in line for line in task["logs"])
    assert any("placed on worker mac-1" in line for line in task["logs"])
    spec = fake.vm("web-1")
    assert (spec["cpu"], spec["memory"], spec["diskSize"], spec["headless"]) == (2, 4096, 60, True)
    assert spec["image"] == IMAGE

    vm = vms(server)["web-1"]
    assert vm["status"] == "running" and vm["phase"] == "running"
    assert (vm["worker"], vm["image"], vm["cpu"], vm["memory"], vm["disk_size"]) == (
        "mac-1",
        IMAGE,
        2,
        "4G",
        60,
    )
    assert vm["ip_address"] == result["ip_address"]  # remembered from the task, not asked again
    assert vm["status_message"] == "VM started" and vm["restart_count"] == 0
    assert vm["local_name"].startswith("orchard-web-1-")
    with server.client() as client:
        one = client.get("/api/vms/web-1").json()
        assert one["name"] == "web-1" and one["worker"] == "mac-1"
        assert client.get("/api/vms/nope").status_code == 404
        categorized = client.get("/api/vms/categorized").json()
        assert categorized["base_images"] == []
        assert [v["name"] for v in categorized["working_vms"]] == ["web-1"]
        refreshed = client.post("/api/vms/refresh").json()
        assert [v["name"] for v in refreshed] == ["web-1"]
        config = client.get("/api/vms/web-1/config", params={"force_refresh": "true"}).json()
        assert (config["cpu"], config["memory"], config["disk_size"]) == (2, "4G", "60G")
        assert config["raw"]["orchard"]["worker"] == "mac-1"


def test_config_never_shows_the_ssh_password(fake: FakeOrchard, orchard_server: Start) -> None:
    fake.store.create_vm({"name": "secret", "image": IMAGE, "password": "hunter2"})
    server = orchard_server(fake.url)
    with server.client() as client:
        config = client.get("/api/vms/secret/config")
    assert config.status_code == 200
    assert "hunter2" not in config.text
    assert config.json()["raw"]["orchard"]["password"] == "********"


def test_unsupported_actions_answer_409_with_what_orchard_offers(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    assert create(server, "web-1")["status"] == "completed"
    with server.client() as client:
        pull = client.post("/api/vms/pull", json={"oci_url": IMAGE})
        assert pull.status_code == 409
        assert "POST /api/vms/create" in pull.json()["detail"]
        running_clone = client.post("/api/vms/web-1/clone", json={"new_name": "copy"})
        assert running_clone.status_code == 409
        assert "only stopped VMs" in running_clone.json()["detail"]
        assert client.post("/api/vms/web-1/start").status_code == 409  # already running
        assert client.post("/api/vms/web-1/delete").status_code == 409  # stop it first

        stop = client.post("/api/vms/web-1/stop")
        assert stop.status_code == 200
        task = server.wait_task(stop.json()["id"])
        assert task["status"] == "completed", task
        assert any("cannot start web-1 again" in line for line in task["logs"])
        assert fake.vm("web-1")["powerState"] == "stopped"
        vm = client.get("/api/vms/web-1").json()
        assert (vm["status"], vm["state"], vm["phase"]) == ("stopped", "stopped", "stopped")

        start = client.post("/api/vms/web-1/start")
        assert start.status_code == 409
        assert "Clone it to get a running copy" in start.json()["detail"]
        assert client.get("/api/tasks/active").json() == []  # no task was made
        assert client.post("/api/vms/web-1/stop").status_code == 409


def test_clone_of_a_stopped_vm_lands_on_its_worker(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    fake.store.add_worker("mac-2", labels={"rack": "b"})
    fake.store.workers["mac-1"]["labels"] = {"rack": "a"}
    server = orchard_server(fake.url)
    assert create(server, "base")["status"] == "completed"
    home = fake.vm("base")["worker"]
    with server.client() as client:
        server.wait_task(client.post("/api/vms/base/stop").json()["id"])
        response = client.post(
            "/api/vms/base/clone", json={"new_name": "copy", "start_after_clone": False}
        )
        assert response.status_code == 200, response.text
        task = server.wait_task(response.json()["id"])
    assert task["status"] == "completed", task
    assert any("Orchard always starts" in line for line in task["logs"])
    copy = fake.vm("copy")
    assert copy["image"] == fake.vm("base")["localName"]
    assert copy["worker"] == home
    assert copy["labels"] == fake.store.workers[home]["labels"]
    assert vms(server)["copy"]["phase"] == "running"


def test_clone_refused_when_the_worker_cannot_be_pinned(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    fake.store.add_worker("mac-2")  # no labels anywhere: a clone could land on either
    server = orchard_server(fake.url)
    assert create(server, "base")["status"] == "completed"
    with server.client() as client:
        server.wait_task(client.post("/api/vms/base/stop").json()["id"])
        response = client.post("/api/vms/base/clone", json={"new_name": "copy"})
    assert response.status_code == 409
    assert "give" in response.json()["detail"] and "label" in response.json()["detail"]


def test_clone_with_start_after_clone_waits_for_the_ip(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    assert create(server, "base")["status"] == "completed"
    with server.client() as client:
        server.wait_task(client.post("/api/vms/base/stop").json()["id"])
        response = client.post(
            "/api/vms/base/clone", json={"new_name": "copy", "start_after_clone": True}
        )
        task = server.wait_task(response.json()["id"])
    assert task["status"] == "completed", task
    assert task["result"]["ip_address"].startswith("192.168.64.")


def test_delete_of_a_stopped_vm(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    create(server, "web-1")
    with server.client() as client:
        server.wait_task(client.post("/api/vms/web-1/stop").json()["id"])
        task = server.wait_task(client.post("/api/vms/web-1/delete", json={}).json()["id"])
        assert task["status"] == "completed", task
        assert "web-1" not in fake.store.vms
        assert client.get("/api/vms/web-1").status_code == 404


def test_third_macos_vm_is_queued_on_a_two_slot_worker(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url, TARTVM_ORCHARD_QUEUE_WAIT="1.5")
    assert create(server, "one")["status"] == "completed"
    assert create(server, "two")["status"] == "completed"
    third = create(server, "three")
    assert third["status"] == "completed", third
    assert third["result"]["queued"] is True
    assert "no worker has a free slot" in third["result"]["message"]
    vm = vms(server)["three"]
    assert (vm["status"], vm["phase"], vm["worker"]) == ("unknown", "queued", None)
    with server.client() as client:
        workers = client.get("/api/workers").json()
    assert workers[0]["slots"] == 2 and workers[0]["slots_used"] == 2
    # the queued VM is still deletable, as a way to cancel it
    with server.client() as client:
        task = server.wait_task(client.post("/api/vms/three/delete").json()["id"])
    assert task["status"] == "completed"


def test_a_failed_create_says_why_and_removes_the_vm(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    bad = "ghcr.io/cirruslabs/no-such-image:latest"
    fake.store.failures[bad] = (
        'failed to pull the VM: tart command failed: "Error: manifest unknown"'
    )
    server = orchard_server(fake.url)
    task = create(server, "broken", source_vm=bad)
    assert task["status"] == "failed"
    assert "manifest unknown" in task["error"]
    assert "broken" not in fake.store.vms


def test_start_follows_a_queued_vm_and_logs_its_startup_script(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    fake.store.workers["mac-1"]["scheduling_paused"] = True
    fake.store.create_vm(
        {"name": "late", "image": IMAGE, "startup_script": {"script_content": "hello\nworld"}}
    )
    server = orchard_server(fake.url, TARTVM_ORCHARD_QUEUE_WAIT="10")
    with server.client() as client:
        vm = client.get("/api/vms/late").json()
        assert (vm["status"], vm["phase"]) == ("unknown", "queued")
        response = client.post("/api/vms/late/start")
        assert response.status_code == 200, response.text
        fake.store.workers["mac-1"]["scheduling_paused"] = False
        task = server.wait_task(response.json()["id"])
    assert task["status"] == "completed", task
    assert task["result"]["ip_address"].startswith("192.168.64.")
    assert "startup script: hello" in task["logs"]
    assert "startup script: world" in task["logs"]


def test_task_websocket_streams_a_create(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    with server.client() as client:
        task = client.post("/api/vms/create", json={"name": "ws-vm", "source_vm": IMAGE}).json()

    async def follow() -> list[dict[str, Any]]:
        url = f"{server.ws_url}/ws/tasks/{task['id']}?token={server.token}"
        seen = []
        async with websockets.connect(url) as socket:
            async for message in socket:
                seen.append(json.loads(message))
        return seen

    seen = asyncio.run(asyncio.wait_for(follow(), 30))
    assert seen[-1]["status"] == "completed"
    assert any("cloning VM..." in line for line in seen[-1]["logs"])
    with server.client() as client:
        assert client.get(f"/api/tasks/{task['id']}").json()["status"] == "completed"


def test_workers_pause_and_resume(fake: FakeOrchard, orchard_server: Start) -> None:
    fake.store.add_worker("mac-2", slots=4, labels={"site": "ams"})
    fake.store.silent.add("mac-old")
    fake.store.add_worker("mac-old", last_seen="2020-01-01T00:00:00Z")
    server = orchard_server(fake.url)
    create(server, "web-1")
    with server.client() as client:
        workers = {w["name"]: w for w in client.get("/api/workers").json()}
        assert set(workers) == {"mac-1", "mac-2", "mac-old"}
        assert workers["mac-old"]["online"] is False and workers["mac-1"]["online"] is True
        busy = next(w for w in workers.values() if w["vms"] == ["web-1"])
        assert (busy["slots_used"], busy["running_vms"], busy["cpu_used"]) == (1, 1, 4)
        assert workers["mac-2"]["labels"] == {"site": "ams"}

        paused = client.post("/api/workers/mac-2/pause")
        assert paused.status_code == 200 and paused.json()["paused"] is True
        assert fake.store.workers["mac-2"]["scheduling_paused"] is True
        resumed = client.post("/api/workers/mac-2/resume", json={})
        assert resumed.json()["paused"] is False
        assert fake.store.workers["mac-2"].get("scheduling_paused") is False
        missing = client.post("/api/workers/nope/pause")
        assert missing.status_code == 404 and "no worker 'nope'" in missing.json()["detail"]


def test_local_mode_has_no_workers(server_factory: Any) -> None:
    server = server_factory().start()
    with server.client() as client:
        response = client.get("/api/workers")
        assert response.status_code == 409
        assert "only with the Orchard backend" in response.json()["detail"]
        assert client.post("/api/workers/x/pause").status_code == 409


def test_api_prefix_and_url_normalisation(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    fake = fake_factory(prefix="/orchard")
    fake.store.add_worker("mac-1")
    fake.store.create_vm({"name": "p", "image": IMAGE})
    server = orchard_server(f"http://127.0.0.1:{fake.port}/orchard/")
    with server.client() as client:
        assert [v["name"] for v in client.post("/api/vms/refresh").json()] == ["p"]
    wrong = orchard_server(f"http://127.0.0.1:{fake.port}")  # the prefix forgotten
    with wrong.client() as client:
        response = client.post("/api/vms/refresh")
    assert response.status_code == 502 and "--api-prefix" in response.json()["detail"]


def test_no_unsupported_call_reaches_the_controller(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    before = len(fake.requests)
    with server.client() as client:
        assert client.post("/api/vms/pull", json={"oci_url": IMAGE}).status_code == 409
    assert fake.requests[before:] == []


def test_lifecycle_routes_in_orchard_mode(fake: FakeOrchard, orchard_server: Start) -> None:
    fake.store.create_vm({"name": "susp", "image": IMAGE, "suspendable": True})
    fake.store.create_vm({"name": "plain", "image": IMAGE})
    fake.wait_for(lambda: all(fake.vm(n)["status"] == "running" for n in ("susp", "plain")))
    server = orchard_server(fake.url)
    with server.client() as client:
        refused = {
            "shutdown": client.post("/api/vms/plain/shutdown"),
            "set": client.patch("/api/vms/plain/config", json={"cpu": 2}),
            "rename": client.post("/api/vms/plain/rename", json={"new_name": "other"}),
            "create-empty": client.post(
                "/api/vms/create-empty", json={"name": "blank", "os": "linux", "disk_size": 20}
            ),
            "suspend": client.post("/api/vms/plain/suspend"),
        }
        for action, response in refused.items():
            assert response.status_code == 409, (action, response.text)
            assert "Orchard" in response.json()["detail"], action
        assert "not created suspendable" in refused["suspend"].json()["detail"]

        task = server.wait_task(client.post("/api/vms/susp/suspend").json()["id"])
        assert task["status"] == "completed", task
        assert fake.vm("susp")["powerState"] == "suspended"
        vm = client.get("/api/vms/susp").json()
        assert (vm["status"], vm["state"], vm["phase"]) == ("stopped", "suspended", "suspended")
        resume = client.post("/api/vms/susp/resume")
        assert resume.status_code == 409
        assert "cannot start VM susp again" in resume.json()["detail"]
        assert client.get("/api/tasks/active").json() == []


def test_the_local_macos_limit_does_not_apply_to_a_fleet(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    """Two macOS VMs run on mac-1; a third, queued for mac-2, may still be started (followed):
    Apple's limit is per Mac, and Orchard keeps it per worker with its slots."""
    fake.store.add_worker("mac-2", labels={"rack": "b"})
    fake.store.workers["mac-2"]["scheduling_paused"] = True
    server = orchard_server(fake.url, TARTVM_ORCHARD_QUEUE_WAIT="10")
    assert create(server, "one")["status"] == "completed"
    assert create(server, "two")["status"] == "completed"
    fake.store.create_vm({"name": "three", "image": IMAGE, "labels": {"rack": "b"}})
    with server.client() as client:
        client.post("/api/vms/refresh")
        response = client.post("/api/vms/three/start")
        assert response.status_code == 200, response.text
        fake.store.workers["mac-2"]["scheduling_paused"] = False
        task = server.wait_task(response.json()["id"])
    assert task["status"] == "completed", task
    assert fake.vm("three")["worker"] == "mac-2"


def test_images_both_ways_answer_409_with_what_orchard_offers(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    assert create(server, "web-1")["status"] == "completed"
    login = {"host": "ghcr.io", "username": "me", "password": "pw"}
    with server.client() as client:
        for method, path, body in [
            ("GET", "/api/registries", None),
            ("POST", "/api/registries/login", login),
            ("POST", "/api/registries/ghcr.io/logout", None),
            ("POST", "/api/vms/web-1/push", {"remote_names": ["ghcr.io/a/b:1"]}),
            ("POST", "/api/vms/web-1/export", {"path": "/tmp/web-1.tvm"}),
            ("POST", "/api/vms/import", {"path": "/tmp/web-1.tvm", "name": "copy"}),
        ]:
            response = client.request(method, path, json=body)
            assert response.status_code == 409, (path, response.text)
            assert response.json()["detail"].startswith(
                "Orchard has no registry login, push, export or import"
            ), response.text
        assert client.get("/api/tasks/active").json() == []


def test_notes_and_labels_stay_on_this_server_not_in_orchard_labels(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    """An Orchard VM's `labels` are scheduling constraints workers must carry
    (pkg/resource/v1/v1.go:80): a user's tag there would leave the VM unschedulable."""
    server = orchard_server(fake.url)
    assert create(server, "web-1")["status"] == "completed"
    before = dict(fake.vm("web-1"))
    with server.client() as client:
        saved = client.patch("/api/vms/web-1/annotations", json={"labels": ["ci"], "notes": "x"})
        assert saved.status_code == 200, saved.text
        vm = client.get("/api/vms/web-1").json()
    assert (vm["labels"], vm["notes"]) == (["ci"], "x")
    assert fake.vm("web-1").get("labels") == before.get("labels")
