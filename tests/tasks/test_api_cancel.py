"""`POST /api/tasks/{id}/cancel` through the real server: each kind of task ends `failed` saying
it was cancelled, its `tart` got Ctrl+C (so Tart cleaned its temporary files), a cancelled start
stops the VM it started; a finished task answers 409 and an unknown one 404."""

from __future__ import annotations

import os

import pytest

from tests.crash.helpers import (
    IMAGE,
    SLOW,
    eventually,
    post,
    running_with,
    seeded,
    stored_processes,
    tart_processes,
    vm_holder,
)
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def cancel(server: ServerProcess, task_id: str) -> tuple[int, dict[str, object]]:
    with server.client() as client:
        response = client.post(f"/api/tasks/{task_id}/cancel")
        return response.status_code, dict(response.json())


def names(server: ServerProcess) -> set[str]:
    with server.client() as client:
        return {vm["name"] for vm in client.post("/api/vms/refresh").json()}


def staging_left(server: ServerProcess) -> list[str]:
    return os.listdir(server.tart_home / "tmp")


def assert_cancelled(server: ServerProcess, task_id: str, action: str) -> dict[str, object]:
    code, answer = cancel(server, task_id)
    assert code == 200, answer
    # The answer is the ended task unless ending took longer than the route waits (15 s: a
    # loaded machine, tart's clean-up, the refresh after the task); then it ends soon after.
    body = server.wait_task(task_id)
    assert answer["status"] in ("running", "failed") and answer["id"] == task_id
    assert body["status"] == "failed"
    assert body["error"] == f"{action} was cancelled by the user"
    assert body["cancelled"] is True  # the documented field that tells a cancel apart
    assert stored_processes(server) == []
    code, again = cancel(server, task_id)
    assert code == 409 and "already failed" in str(again["detail"])
    return body


def test_cancel_a_pull(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(env_overrides=SLOW).start()
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    running_with(server, pull["id"], "2%")
    assert staging_left(server), "a pull in progress stages its download in tmp/"
    assert_cancelled(server, pull["id"], "pull")
    assert tart_processes(server, "pull", IMAGE) == []
    assert staging_left(server) == []  # Tart's Ctrl+C clean-up ran
    assert IMAGE not in names(server)


def test_cancel_a_create_while_it_downloads_its_source(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(env_overrides=SLOW).start()
    create = post(server, "/api/vms/create", {"name": "new-vm", "source_vm": IMAGE})
    running_with(server, create["id"], "2%")
    assert_cancelled(server, create["id"], "create")
    assert tart_processes(server, "clone", IMAGE, "new-vm") == []
    assert staging_left(server) == []
    assert "new-vm" not in names(server)


def test_cancel_a_clone(server_factory) -> None:  # type: ignore[no-untyped-def]
    # A local clone takes no time in the simulator: make this one hang, as a slow disk would.
    server: ServerProcess = seeded(
        server_factory(env_overrides={"TART_SIM_HANG": "clone"}), "dev"
    ).start()
    clone = post(server, "/api/vms/dev/clone", {"new_name": "dev-copy"})
    eventually(lambda: tart_processes(server, "clone", "dev", "dev-copy"))
    assert_cancelled(server, clone["id"], "clone")
    assert tart_processes(server, "clone", "dev", "dev-copy") == []
    assert "dev-copy" not in names(server)


def test_cancel_a_start_stops_the_vm(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = seeded(
        server_factory(env_overrides={"TART_SIM_BOOT_SECONDS": "30", **SLOW}), "dev"
    ).start()
    start = post(server, "/api/vms/dev/start")
    running_with(server, start["id"], "waiting for the guest's IP address")
    eventually(lambda: vm_holder(server, "dev"))
    body = assert_cancelled(server, start["id"], "start")
    logs = "\n".join(body["logs"])  # type: ignore[arg-type]
    assert "cancelled: ending the tart run this start spawned" in logs  # issue 16.4
    assert vm_holder(server, "dev") == 0
    with server.client() as client:
        client.post("/api/vms/refresh")
        assert client.get("/api/vms/dev").json()["status"] == "stopped"


def test_cancel_a_finished_or_unknown_task(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = seeded(server_factory(), "dev").start()
    done = server.wait_task(post(server, "/api/vms/dev/delete")["id"])
    assert done["status"] == "completed"
    code, body = cancel(server, done["id"])
    assert code == 409 and "already completed" in str(body["detail"])
    code, body = cancel(server, "0" * 32)
    assert code == 404 and "does not exist" in str(body["detail"])
