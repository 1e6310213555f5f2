"""Kill the real server in the middle of work, start it again on the same folders, lose nothing.

SIGKILL leaves no chance to clean up: what the restarted server reports comes from what was
on disk at the moment of the kill. Ctrl+C and SIGTERM are graceful: tasks are recorded as
interrupted, watchers get a normal close, and VMs keep running in every case.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.crash.helpers import (
    IMAGE,
    SLOW,
    alive,
    eventually,
    post,
    running_with,
    seeded,
    stored_processes,
    tart_processes,
    task,
    vm_holder,
)
from tests.server import ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SERVER_STOPPED = "the server stopped while this task was running"


def history(server: ServerProcess) -> list[dict[str, object]]:
    with server.client() as client:
        return list(client.get("/api/tasks?limit=50&logs=5").json())


def active(server: ServerProcess) -> list[dict[str, object]]:
    with server.client() as client:
        return list(client.get("/api/tasks/active").json())


def vm(server: ServerProcess, name: str, *, refresh: bool = True) -> dict[str, object]:
    with server.client() as client:
        if refresh:
            client.post("/api/vms/refresh")
        response = client.get(f"/api/vms/{name}")
        assert response.status_code == 200, response.text
        return dict(response.json())


def logged(current: dict[str, Any], line: str) -> dict[str, Any] | None:
    return current if line in current["logs"] else None


def stop_vm(server: ServerProcess, name: str) -> None:
    stop = post(server, f"/api/vms/{name}/stop")
    done = server.wait_task(stop["id"])
    assert done["status"] == "completed", done
    assert vm_holder(server, name) == 0


def test_sigkill_in_the_middle_of_a_pull(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(env_overrides=SLOW).start()
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    running_with(server, pull["id"], "3%")
    (tart_pid,) = tart_processes(server, "pull", IMAGE)
    assert stored_processes(server) == [(pull["id"], tart_pid, ["pull", IMAGE])]
    time.sleep(0.5)  # log lines reach the disk in batches, at most 0.5 s apart

    server.kill()
    server.env_overrides = {"TART_SIM_IP_RETRY_SECONDS": "0.1"}  # pulls are quick again
    server.start()

    after = task(server, pull["id"])
    assert after["status"] == "failed"
    assert after["error"].startswith(SERVER_STOPPED)
    assert "3%" in after["logs"] and f"error: {after['error']}" in after["logs"]
    assert active(server) == []
    assert history(server)[0]["id"] == pull["id"]
    # The orphaned `tart pull` is gone (its pipe broke, or recovery interrupted it) and
    # nothing half-pulled is left behind: the image is simply not there, and pulls work.
    eventually(lambda: not alive(tart_pid), message="the orphaned tart pull is still running")
    eventually(lambda: stored_processes(server) == [])
    with server.client() as client:
        assert IMAGE not in {v["name"] for v in client.post("/api/vms/refresh").json()}
    again = server.wait_task(post(server, "/api/vms/pull", {"oci_url": IMAGE})["id"])
    assert again["status"] == "completed", again


def test_a_hung_tart_that_outlives_a_crash_is_interrupted_at_restart(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(env_overrides={"TART_SIM_HANG": "pull"}).start()
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    (tart_pid,) = eventually(lambda: tart_processes(server, "pull", IMAGE))
    eventually(lambda: stored_processes(server) == [(pull["id"], tart_pid, ["pull", IMAGE])])

    server.kill()
    time.sleep(0.3)
    assert alive(tart_pid), "a hung tart writes nothing, so it outlives the server"
    server.env_overrides = {}
    server.start()

    eventually(lambda: not alive(tart_pid), message="recovery did not end the leftover tart")
    line = f"recovery: leftover `tart pull {IMAGE}` (pid {tart_pid}) ended after SIGINT"
    after = eventually(lambda: logged(task(server, pull["id"]), line))
    assert after["status"] == "failed" and after["error"].startswith(SERVER_STOPPED)
    assert stored_processes(server) == []


def test_sigkill_in_the_middle_of_a_start(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = seeded(
        server_factory(env_overrides={"TART_SIM_BOOT_SECONDS": "4", **SLOW}), "dev"
    ).start()
    start = post(server, "/api/vms/dev/start")
    running_with(server, start["id"], "waiting for the guest's IP address")
    vm_pid = eventually(lambda: vm_holder(server, "dev"))

    server.kill()
    assert alive(vm_pid) and vm_holder(server, "dev") == vm_pid, "the VM died with the server"
    server.start()

    after = task(server, start["id"])
    assert after["status"] == "failed" and after["error"].startswith(SERVER_STOPPED)
    assert active(server) == []
    assert vm_holder(server, "dev") == vm_pid
    seen = eventually(lambda: (v := vm(server, "dev"))["ip_address"] and v)
    assert seen["status"] == "running" and seen["ip_address"].startswith("192.168.64.")
    stop_vm(server, "dev")
    assert not alive(vm_pid)


def test_ctrl_c_interrupts_work_but_vms_keep_running(server_factory) -> None:  # type: ignore[no-untyped-def]
    env = {"TART_SIM_BOOT_SECONDS": "2", **SLOW}
    server: ServerProcess = seeded(
        server_factory(env_overrides=env, own_group=True), "dev", "web"
    ).start()
    started = server.wait_task(post(server, "/api/vms/dev/start")["id"])
    assert started["status"] == "completed", started
    dev_pid = vm_holder(server, "dev")
    booting = post(server, "/api/vms/web/start")
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    running_with(server, pull["id"], "1%")
    running_with(server, booting["id"], "waiting for the guest's IP address")
    web_pid = eventually(lambda: vm_holder(server, "web"))

    with connect(f"{server.ws_url}/ws/tasks/{pull['id']}?token={server.token}") as ws:
        ws.recv()
        assert server.process is not None
        began = time.monotonic()
        os.killpg(server.process.pid, signal.SIGINT)  # Ctrl+C reaches the terminal's group
        server.process.wait(15)
        took = time.monotonic() - began
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    print(f"shutdown took {took:.2f} s")
    assert took < 5, f"shutdown took {took:.1f} s"
    server.process = None
    assert vm_holder(server, "dev") == dev_pid and vm_holder(server, "web") == web_pid
    assert tart_processes(server, "pull", IMAGE) == []

    server.start()
    assert task(server, pull["id"])["error"] == "pull was interrupted by a server shutdown"
    assert task(server, booting["id"])["error"] == "start was interrupted by a server shutdown"
    assert task(server, started["id"])["status"] == "completed"
    eventually(lambda: vm(server, "web")["ip_address"])
    assert vm(server, "dev", refresh=False)["status"] == "running"
    stop_vm(server, "dev")
    stop_vm(server, "web")


def test_sigterm_exits_quickly_with_a_normal_close(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(env_overrides=SLOW).start()
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    running_with(server, pull["id"], "1%")
    with connect(f"{server.ws_url}/ws/tasks/{pull['id']}?token={server.token}") as ws:
        ws.recv()
        began = time.monotonic()
        server.stop(signal.SIGTERM)
        took = time.monotonic() - began
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    print(f"shutdown took {took:.2f} s")
    assert took < 5, f"shutdown took {took:.1f} s"
    assert tart_processes(server, "pull", IMAGE) == []
    server.start()
    after = task(server, pull["id"])
    assert (after["status"], after["error"]) == (
        "failed",
        "pull was interrupted by a server shutdown",
    )
    assert stored_processes(server) == []
