"""Controller failures in Orchard mode become clear details, never 401/403, and an outage
leaves a stale inventory, never an empty one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakes.orchard import FakeOrchard
from tests.orchard.test_api_orchard import IMAGE, Start, create

pytestmark = pytest.mark.integration


def test_controller_outage_keeps_a_stale_inventory(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    fake = fake_factory()
    fake.store.add_worker("mac-1")
    fake.store.create_vm({"name": "keep-me", "image": IMAGE})
    server = orchard_server(fake.url)
    with server.client() as client:
        assert [v["name"] for v in client.post("/api/vms/refresh").json()] == ["keep-me"]
        fake.stop()
        refresh = client.post("/api/vms/refresh")
        assert refresh.status_code == 503
        assert "cannot reach the Orchard controller" in refresh.json()["detail"]
        assert [v["name"] for v in client.get("/api/vms").json()] == ["keep-me"]
        assert client.get("/api/health").json()["inventory_stale"] is True
        workers = client.get("/api/workers")
        assert workers.status_code == 503


def test_controller_errors_become_clear_details(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    fake = fake_factory(dev=False)
    fake.store.add_worker("mac-1")
    fake.store.add_account("viewer", "view-token", ["compute:read"])
    server = orchard_server(
        fake.url,
        TARTVM_ORCHARD_SERVICE_ACCOUNT="viewer",
        TARTVM_ORCHARD_TOKEN="view-token",
    )
    with server.client() as client:
        assert client.post("/api/vms/refresh").status_code == 200
        task = server.wait_task(
            client.post("/api/vms/create", json={"name": "x", "source_vm": IMAGE}).json()["id"]
        )
        assert task["status"] == "failed"
        assert "'viewer' may not do this" in task["error"]
        assert "compute:write" in task["error"]
        paused = client.post("/api/workers/mac-1/pause")
        assert paused.status_code == 502  # never 401/403: those mean "your local token"
        assert "compute:write" in paused.json()["detail"]


def test_wrong_or_missing_credentials(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    fake = fake_factory(dev=False)
    fake.store.add_account("admin", "right", ["compute:read", "compute:write"])
    anonymous = orchard_server(fake.url)
    with anonymous.client() as client:
        response = client.post("/api/vms/refresh")
    assert response.status_code == 502
    assert "wants credentials" in response.json()["detail"]
    wrong = orchard_server(
        fake.url, TARTVM_ORCHARD_SERVICE_ACCOUNT="admin", TARTVM_ORCHARD_TOKEN="s3cr3t-guess"
    )
    with wrong.client() as client:
        response = client.post("/api/vms/refresh")
    assert response.status_code == 502
    assert "rejected service account 'admin'" in response.json()["detail"]
    assert "s3cr3t-guess" not in response.text
    assert "s3cr3t-guess" not in wrong.log_path.read_text()


def test_failed_vm_and_unreachable_worker_503(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    assert create(server, "web-1")["status"] == "completed"
    with fake.store.lock:
        vm = fake.store.vms["web-1"]
        vm.update(status="failed", status_message="VM failed: VM exited unexpectedly")
        fake.store.write(vm)
    with server.client() as client:
        # the inventory still says running, but stop asks the controller, which says failed
        stop = client.post("/api/vms/web-1/stop")
        assert stop.status_code == 409, stop.text
        assert stop.json()["detail"] == "VM web-1 is not running"
        assert client.get("/api/tasks/active").json() == []
        client.post("/api/vms/refresh")
        vm = client.get("/api/vms/web-1").json()
        assert (vm["phase"], vm["status"]) == ("failed", "stopped")
        assert "exited unexpectedly" in vm["status_message"]
        start = client.post("/api/vms/web-1/start")
        assert start.status_code == 409 and "has failed in Orchard" in start.json()["detail"]

    fake.store.unreachable.add("mac-1")
    task = create(server, "web-2")
    assert task["status"] == "completed"
    assert task["result"]["ip_address"] is None
    assert any("cannot be reached" in line and "503" in line for line in task["logs"])
