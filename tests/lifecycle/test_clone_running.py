"""Issue 16.9: Tart clones a running VM's disk without its lock, and keeps a suspended VM's MAC;
a `tart run` that meets a running VM with its MAC takes a new one and deletes the saved state."""

from __future__ import annotations

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration

MAC = "5a:00:00:00:0a:01"


def test_cloning_a_running_vm_needs_allow_running(lab: Lab) -> None:
    lab.seed("dev")
    lab.start("dev")
    response = lab.request("POST", "/api/vms/dev/clone", {"new_name": "copy"})
    assert response.status_code == 409, response.text
    assert "crash-consistent" in response.text and "allow_running" in response.text
    lab.act("/api/vms/dev/clone", {"new_name": "copy", "allow_running": True})
    assert lab.tart_state("copy") == "stopped"
    lab.act("/api/vms/dev/stop")
    lab.act("/api/vms/dev/clone", {"new_name": "copy2"})  # stopped: no question asked


def test_a_resume_that_would_lose_the_state_is_refused(lab: Lab) -> None:
    lab.seed("one", "darwin", mac=MAC)
    lab.seed("two", "darwin", mac=MAC, suspended=True)  # e.g. a clone of a suspended VM
    lab.start("one")
    for path in ("/api/vms/two/start", "/api/vms/two/resume"):
        response = lab.request("POST", path)
        assert response.status_code == 409, response.text
        assert "lose its saved state" in response.text and "one" in response.text
    assert lab.tart_state("two") == "suspended"
    lab.act("/api/vms/one/stop")
    lab.act("/api/vms/two/resume")
    with lab.server.client() as client:
        log = client.get("/api/vms/two/logs/latest").json()["text"]
    assert "resuming VM..." in log
    lab.act("/api/vms/two/stop")
