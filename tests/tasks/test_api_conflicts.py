"""Per-VM serialisation through the real server: a second conflicting operation on a busy VM is
a 409 naming the task that holds it; unrelated VMs proceed in parallel."""

from __future__ import annotations

import pytest

from tests.crash.helpers import IMAGE, SLOW, eventually, post, running_with, seeded
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def test_a_busy_vm_refuses_conflicting_operations_and_names_the_holder(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = seeded(
        server_factory(env_overrides={"TART_SIM_BOOT_SECONDS": "3", **SLOW}), "dev", "web"
    ).start()
    start = post(server, "/api/vms/dev/start")
    running_with(server, start["id"], "waiting for the guest's IP address")
    holder = f"start task {start['id']} is still running"
    with server.client() as client:
        for method, path, body in (
            ("POST", "/api/vms/dev/start", {}),
            ("POST", "/api/vms/DEV/start", {}),  # Tart's names are case-insensitive
            ("POST", "/api/vms/dev/stop", {}),
            ("POST", "/api/vms/dev/delete", {}),
            ("POST", "/api/vms/dev/clone", {"new_name": "dev-copy"}),
            ("POST", "/api/vms/create", {"name": "dev-2", "source_vm": "dev"}),
        ):
            response = client.request(method, path, json=body)
            assert response.status_code == 409, (path, response.text)
            assert holder in response.json()["detail"], (path, response.text)

        # Another VM is not held up: it starts while dev is still booting.
        other = client.post("/api/vms/web/start").json()
        active = eventually(
            lambda: (
                (ids := {t["id"] for t in client.get("/api/tasks/active").json()})
                >= {start["id"], other["id"]}
                and ids
            )
        )
        assert {start["id"], other["id"]} <= active
    for task_id in (start["id"], other["id"]):
        assert server.wait_task(task_id)["status"] == "completed"
    # Released: the VM takes new work again.
    stop = server.wait_task(post(server, "/api/vms/dev/stop")["id"])
    assert stop["status"] == "completed"
    server.wait_task(post(server, "/api/vms/web/stop")["id"])


def test_the_same_image_is_pulled_once_at_a_time(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(env_overrides=SLOW).start()
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    with server.client() as client:
        again = client.post("/api/vms/pull", json={"oci_url": IMAGE})
        assert again.status_code == 409
        assert f"pull task {pull['id']} is still running" in again.json()["detail"]
        # A clone from the image being pulled waits too (it reads what the pull writes).
        create = client.post("/api/vms/create", json={"name": "from-it", "source_vm": IMAGE})
        assert create.status_code == 409 and pull["id"] in create.json()["detail"]
        assert client.post(f"/api/tasks/{pull['id']}/cancel").status_code == 200
