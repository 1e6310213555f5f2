"""What the controller's source says about clones, Linux guests, scheduling and its answers
(issue 17, points 3, 8, 9 and 10), through the real server against the fake controller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from taartenfabriek.backends.orchard.client import Failure, translate
from taartenfabriek.core.errors import InvalidInput
from tests.fakes.orchard import FakeOrchard
from tests.orchard.test_api_orchard import create, vms
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
Start = Callable[..., ServerProcess]


def settle(fake: FakeOrchard, name: str, **spec: Any) -> None:
    fake.store.create_vm({"name": name, "image": IMAGE, **spec})
    fake.wait_for(lambda: fake.vm(name)["status"] == "running")


# --- 3. clones of suspended VMs -------------------------------------------------------------


def test_a_suspended_vm_is_not_cloned(fake: FakeOrchard, orchard_server: Start) -> None:
    fake.store.workers["mac-1"]["labels"] = {"host": "mac-1"}
    settle(fake, "susp", suspendable=True)
    server = orchard_server(fake.url)
    with server.client() as client:
        client.post("/api/vms/refresh")
        task = server.wait_task(client.post("/api/vms/susp/suspend").json()["id"])
        assert task["status"] == "completed", task
        verdict = client.get("/api/vms/susp/actions").json()["clone"]
        response = client.post("/api/vms/susp/clone", json={"new_name": "copy"})
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert "suspended" in detail and "cannot clone a suspended VM" in detail
    assert verdict == {"allowed": False, "reason": detail}
    assert "copy" not in fake.store.vms


# --- 8. Linux guests ------------------------------------------------------------------------


def test_a_linux_image_makes_a_linux_vm_without_a_macos_slot(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    task = create(server, "tux", source_vm="ghcr.io/cirruslabs/ubuntu:latest")
    assert task["status"] == "completed", task
    spec = fake.vm("tux")
    assert spec["os"] == "linux"
    assert "org.cirruslabs.tart-vms" not in (spec.get("resources") or {})
    assert vms(server)["tux"]["os"] == "linux"
    with server.client() as client:
        (worker,) = client.get("/api/workers").json()
    assert worker["slots_used"] == 0 and worker["vms"] == ["tux"]


# --- 9. scheduled without conditions --------------------------------------------------------


def test_a_vm_with_a_worker_and_no_conditions_counts_as_scheduled(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    """`IsScheduled()`: a VM written without conditions (an older controller, another tool)
    is scheduled when it names a worker, and uses that worker's slot."""
    with fake.store.lock:
        fake.store.create_vm({"name": "old", "image": IMAGE})
        vm = fake.store.vms["old"]
        vm.update(worker="mac-1", status="running", conditions=[], assignedCPU=4)
        vm.update(assignedMemory=8192)
        fake.store.write(vm)
    server = orchard_server(fake.url)
    with server.client() as client:
        (worker,) = client.get("/api/workers").json()
    assert worker["slots_used"] == 1
    assert (worker["cpu_used"], worker["memory_used_mb"]) == (4, 8192)


# --- 10. texts ------------------------------------------------------------------------------


def test_a_412_translates_to_the_message_alone() -> None:
    """The controller's validation answers (internal/controller/api_vms.go, e.g. :169-213)
    are sentences for a person; none of our routes can provoke one the fake would give
    (our own checks come first), so the table is pinned directly."""
    error = translate(Failure(412, "VM image is empty", "VM 'v'", "http://c:6120", "ui"))
    assert isinstance(error, InvalidInput) and error.detail == "VM image is empty"


def test_an_ip_lookup_that_runs_out_says_it_timed_out(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    fake.store.ipless.add("quiet")
    server = orchard_server(fake.url, TARTVM_START_IP_TIMEOUT="1")
    task = create(server, "quiet")
    assert task["status"] == "completed", task
    (line,) = [line for line in task["logs"] if line.startswith("no IP address yet")]
    assert "did not report its IP address within 1 s" in line
    assert "HTTP 500" not in line


def test_a_user_can_say_an_image_is_linux(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    task = create(server, "own", source_vm="registry.example/team/arm-linux:1", os="linux")
    assert task["status"] == "completed", task
    assert fake.vm("own")["os"] == "linux"
    macos = create(server, "mac", source_vm="registry.example/team/arm-mac:1")
    assert macos["status"] == "completed", macos
    assert fake.vm("mac")["os"] == "darwin"  # unknown and unsaid: Orchard's default
