"""Following a VM as the real controller answers (issue 17, point 4): a watch that never
answers, a VM that went while the controller was away, a controller that does not stream,
and what `/api/health` says the controller can do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakes.orchard import FakeOrchard
from tests.orchard.test_api_orchard import create
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
Start = Callable[..., ServerProcess]


def test_a_vm_gone_while_the_controller_restarted_ends_the_task(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    """The stop task follows a VM whose worker went quiet; the controller restarts (every
    watch ends) and the VM is gone when it is back. Its watch would answer nothing at all,
    so the task must look before watching again, and say what happened."""
    fake.store.create_vm({"name": "web", "image": IMAGE})
    fake.wait_for(lambda: fake.vm("web")["status"] == "running")
    server = orchard_server(fake.url)
    fake.store.silent.add("mac-1")  # the worker will never confirm the stop
    with server.client() as client:
        client.post("/api/vms/refresh")
        task_id = client.post("/api/vms/web/stop").json()["id"]
        fake.wait_for(lambda: fake.vm("web")["powerState"] == "stopped")
        fake.wait_for(lambda: fake.store.watchers.get("web"))
        fake.store.drop_watches(lose=("web",))
    task = server.wait_task(task_id, timeout=20)
    assert task["status"] == "failed", task
    assert "web" in task["error"] and "deleted from Orchard" in task["error"]


def test_a_controller_without_watch_is_followed_by_polling(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    old = fake_factory(watch=False, version="0.40.1", phase_seconds=0.1)
    old.store.add_worker("mac-1")
    server = orchard_server(old.url)
    task = create(server, "polled")
    assert task["status"] == "completed", task
    assert task["result"]["worker"] == "mac-1" and not task["result"].get("queued")
    assert not any("?watch=true" in path for _method, path in old.calls("GET", "/v1/vms/"))
    assert any("polling" in line for line in task["logs"]) is False  # known old: polls at once


def test_a_watch_answered_with_a_plain_vm_falls_back_to_polling(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    """A controller whose version says nothing (a development build) but that ignores
    `?watch=true`: the first line is not a watch event, so the task polls."""
    dev = fake_factory(watch=False, version="unknown", phase_seconds=0.1)
    dev.store.add_worker("mac-1")
    server = orchard_server(dev.url)
    task = create(server, "fallback")
    assert task["status"] == "completed", task
    assert task["result"]["worker"] == "mac-1" and not task["result"].get("queued")
    assert any("by polling instead" in line for line in task["logs"])


def test_health_says_what_the_controller_can_do(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Start
) -> None:
    before_exec = fake_factory(version="0.50.1")
    server = orchard_server(before_exec.url)
    with server.client() as client:
        health = client.get("/api/health").json()
        client.get("/api/health")
    assert health["orchard"] == {
        "version": "0.50.1",
        "watch": True,
        "exec": False,
        "detail": None,
    }
    assert len(before_exec.calls("GET", "/v1/controller/info")) == 1  # read once
