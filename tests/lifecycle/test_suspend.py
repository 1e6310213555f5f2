"""Suspend and resume through the real server, and the refusals that keep a VM's state safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def test_suspend_resume_round_trip(lab: Lab) -> None:
    lab.seed("mac", "darwin")
    started = lab.start("mac", {"suspendable": True})
    ip = started["result"]["ip_address"]
    actions = lab.get("/api/vms/mac/actions")
    assert actions["suspend"] == {"allowed": True, "reason": None}
    assert actions["started_by_server"] is True and actions["suspendable"] is True

    done = lab.act("/api/vms/mac/suspend")
    assert done["command"][1:] == ["suspend", "mac"]
    assert done["result"]["state"] == "suspended"
    assert lab.tart_state("mac") == "suspended"
    assert (lab.server.tart_home / "vms" / "mac" / "state.vzvmsave").exists()
    vm = lab.get("/api/vms/mac")  # the task refreshed the inventory
    assert (vm["status"], vm["state"], vm["ip_address"]) == ("stopped", "suspended", None)
    actions = lab.get("/api/vms/mac/actions")
    assert actions["resume"]["allowed"] and not actions["suspend"]["allowed"]
    assert "already suspended" in actions["suspend"]["reason"]
    assert actions["stop"]["allowed"]  # discards the saved state
    assert not actions["edit"]["allowed"] and "saved state" in actions["edit"]["reason"]

    # a suspended VM cannot be suspended again, nor reconfigured
    response = lab.request("POST", "/api/vms/mac/suspend")
    assert response.status_code == 409 and "already suspended" in response.text
    response = lab.request("PATCH", "/api/vms/mac/config", {"cpu": 6})
    assert response.status_code == 409 and "saved state" in response.text

    resumed = lab.act("/api/vms/mac/resume", {})
    assert resumed["action"] == "resume"
    assert resumed["result"]["ip_address"] == ip
    assert "--suspendable" in lab.run_args("mac")
    assert lab.tart_state("mac") == "running"
    assert not (lab.server.tart_home / "vms" / "mac" / "state.vzvmsave").exists()
    runs = sorted((lab.server.home / "logs" / "runs" / "mac").glob("*.log"))
    assert "restoring VM state from a snapshot..." in runs[-1].read_text()

    # a resumed VM is suspendable again
    lab.act("/api/vms/mac/suspend")
    assert lab.tart_state("mac") == "suspended"
    lab.start("mac")  # plain start resumes too
    assert lab.vm("mac")["status"] == "running"
    response = lab.request("POST", "/api/vms/mac/resume")
    assert response.status_code == 409 and "not suspended" in response.text
    lab.act("/api/vms/mac/stop")


def test_refusals(lab: Lab, tmp_path: Path) -> None:
    lab.seed("lin")
    lab.seed("plain", "darwin")
    lab.seed("outside", "darwin")
    lab.seed("idle", "darwin")

    lab.start("lin")
    response = lab.request("POST", "/api/vms/lin/suspend")
    assert response.status_code == 409
    assert "Linux" in response.json()["detail"] and "macOS" in response.json()["detail"]

    lab.start("plain")  # not suspendable
    response = lab.request("POST", "/api/vms/plain/suspend")
    assert response.status_code == 409 and "without 'suspendable'" in response.text
    assert "without 'suspendable'" in lab.get("/api/vms/plain/actions")["suspend"]["reason"]
    assert lab.tart_state("plain") == "running"  # nothing was sent to it
    lab.act("/api/vms/plain/stop")

    lab.run_outside("outside", "--no-graphics", "--suspendable")
    lab.post("/api/vms/refresh")
    response = lab.request("POST", "/api/vms/outside/suspend")
    assert response.status_code == 409 and "not started by this server" in response.text

    response = lab.request("POST", "/api/vms/idle/suspend")
    assert response.status_code == 409 and "not running" in response.text
    assert lab.request("POST", "/api/vms/missing/suspend").status_code == 404
    with lab.server.client() as client:
        assert [t["action"] for t in client.get("/api/tasks").json()].count("suspend") == 0
    lab.act("/api/vms/lin/stop")


def test_busy_vm_answers_409(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab: Lab = make_lab(TART_SIM_SUSPEND_SECONDS="3")
    lab.seed("mac", "darwin")
    lab.start("mac", {"suspendable": True})
    task = lab.post("/api/vms/mac/suspend")
    for method, path in (("POST", "suspend"), ("POST", "shutdown"), ("POST", "stop")):
        response = lab.request(method, f"/api/vms/mac/{path}")
        assert response.status_code == 409, response.text
        assert "busy" in response.text or "task" in response.text
    assert "busy" in lab.get("/api/vms/mac/actions")["stop"]["reason"]
    lab.done(task)
    assert lab.tart_state("mac") == "suspended"
