"""Changes made behind the server's back (a `tart` at a terminal, another tool).

The inventory is a cache (`GET /api/vms` never calls tart), but the 404/409 decisions of the
actions must follow what Tart says now, not what the cache said a refresh ago. The server reads
that from TART_HOME's files and locks once they have agreed with `tart list`, else asks
`tart get`: both ways are checked, the second with a Tart whose files the server cannot see
(as with a stand-in that keeps its state elsewhere).
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def _state(server: ServerProcess, name: str) -> str:
    listed = server.tart("list", "--format", "json").stdout
    return next((e["State"] for e in json.loads(listed) if e["Name"] == name), "missing")


def _run_outside(server: ServerProcess, name: str) -> subprocess.Popen[bytes]:
    """`tart run` from a terminal: its own session, nothing to do with the server."""
    process = subprocess.Popen(
        [str(server.tart_path), "run", "--no-graphics", name],
        env=server.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while _state(server, name) != "running":
        assert time.monotonic() < deadline, "tart run did not take the VM's lock"
        time.sleep(0.1)
    return process


def _hide_tart_home(server: ServerProcess) -> None:
    """From now on tart keeps its VMs where the server does not look."""
    shim = server.tart_path.read_text()
    server.tart_path.write_text(shim.replace("exec ", 'TART_HOME="$TART_HOME/hidden" exec ', 1))


@pytest.mark.parametrize("files", ["readable", "hidden"])
def test_actions_follow_tart_not_the_cache(server: ServerProcess, files: str) -> None:
    if files == "hidden":
        _hide_tart_home(server)
    server.tart("create", "outside", "--linux")
    assert (server.tart_home / "vms" / "outside").exists() == (files == "readable")
    with server.client() as client:
        listed = {vm["name"]: vm for vm in client.post("/api/vms/refresh").json()}
        assert listed["outside"]["status"] == "stopped"

        # started at a terminal: Tart says running, whether or not the inventory has
        # noticed yet (it watches the files where it can: test_outside_watch.py)
        process = _run_outside(server, "outside")
        try:
            response = client.post("/api/vms/outside/start")
            assert response.status_code == 409, response.text
            response = client.post("/api/vms/outside/delete")
            assert response.status_code == 409, response.text
            response = client.post("/api/vms/outside/stop")
            assert response.status_code == 200, response.text
            task = server.wait_task(response.json()["id"])
            assert task["status"] == "completed", task
            assert process.wait(10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

        # stopped at a terminal: the cache says running (it was refreshed by the stop task)
        started = client.post("/api/vms/outside/start").json()
        assert server.wait_task(started["id"])["status"] == "completed"
        assert client.get("/api/vms/outside").json()["status"] == "running"
        server.tart("stop", "outside")
        response = client.post("/api/vms/outside/stop")
        assert response.status_code == 409, response.text
        response = client.post("/api/vms/outside/start")
        assert response.status_code == 200, response.text
        assert server.wait_task(response.json()["id"])["status"] == "completed"
        server.tart("stop", "outside")

        # deleted at a terminal: Tart no longer knows it
        server.tart("delete", "outside")
        for action in ("start", "stop", "delete"):
            response = client.post(f"/api/vms/outside/{action}")
            assert response.status_code == 404, (action, response.text)
        assert client.get("/api/tasks/active").json() == []


def test_clone_and_create_of_a_source_deleted_outside_are_404(server: ServerProcess) -> None:
    server.tart("create", "source", "--linux")
    with server.client() as client:
        assert "source" in {vm["name"] for vm in client.post("/api/vms/refresh").json()}
        server.tart("delete", "source")
        response = client.post("/api/vms/source/clone", json={"new_name": "copy"})
        assert response.status_code == 404, response.text
        server.tart("create", "source", "--linux")
        assert client.post("/api/vms/refresh").status_code == 200
        server.tart("delete", "source")
        body = {"name": "made", "source_vm": "source", "cpu": 4, "memory": 4, "disk_size": 50}
        response = client.post("/api/vms/create", json=body)
        assert response.status_code == 404, response.text
        assert client.get("/api/tasks/active").json() == []
