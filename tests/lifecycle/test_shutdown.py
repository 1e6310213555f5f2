"""Graceful shutdown (SIGUSR2 to the server's own `tart run`) versus force stop."""

from __future__ import annotations

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def run_log(lab: Lab, name: str) -> str:
    runs = sorted((lab.server.home / "logs" / "runs" / name).glob("*.log"))
    return runs[-1].read_text()


def test_graceful_shutdown(lab: Lab) -> None:
    lab.seed("dev")
    lab.start("dev")
    pid = lab.run_info("dev")["pid"]
    assert lab.get("/api/vms/dev/actions")["shutdown"] == {"allowed": True, "reason": None}
    done = lab.act("/api/vms/dev/shutdown")
    assert done["action"] == "shutdown"
    assert done["result"]["method"] == "shutdown"
    assert done["command"] == ["kill", "-USR2", str(pid)]
    assert lab.tart_state("dev") == "stopped"
    log = run_log(lab, "dev")
    assert "Requesting guest OS to stop..." in log
    assert "guest has stopped the virtual machine" in log
    assert "Stopping VM..." not in log  # not a power-off
    vm = lab.get("/api/vms/dev")
    assert (vm["status"], vm["ip_address"]) == ("stopped", None)
    response = lab.request("POST", "/api/vms/dev/shutdown")
    assert response.status_code == 409 and "not running" in response.text


def test_force_after_and_force_stop(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab: Lab = make_lab(TART_SIM_GUEST_STOP_SECONDS="30")  # a guest that takes its time
    lab.seed("slow")
    lab.start("slow")

    # without force_after: the task fails, says what to do, and the VM keeps running
    failed = lab.act("/api/vms/slow/shutdown", {"timeout": 1}, status="failed")
    assert "did not shut down within 1 s" in failed["error"]
    assert "force stop" in failed["error"]
    assert lab.tart_state("slow") == "running"

    done = lab.act("/api/vms/slow/shutdown", {"timeout": 1, "force_after": True})
    assert done["result"]["method"] == "force"
    assert "powered off" in done["result"]["message"]
    assert lab.tart_state("slow") == "stopped"
    assert "Stopping VM..." in run_log(lab, "slow")

    # the seed's stop is the force stop
    lab.start("slow")
    done = lab.act("/api/vms/slow/stop")
    assert done["command"][1:] == ["stop", "--timeout", "30", "slow"]
    assert lab.tart_state("slow") == "stopped"


def test_only_force_stop_for_a_vm_the_server_did_not_start(lab: Lab) -> None:
    lab.seed("term")
    lab.run_outside("term", "--no-graphics")
    lab.post("/api/vms/refresh")
    response = lab.request("POST", "/api/vms/term/shutdown", {"force_after": True})
    assert response.status_code == 409
    assert "only a force stop is possible" in response.json()["detail"]
    actions = lab.get("/api/vms/term/actions")
    assert actions["started_by_server"] is False
    assert not actions["shutdown"]["allowed"] and actions["stop"]["allowed"]
    lab.act("/api/vms/term/stop")
    assert lab.tart_state("term") == "stopped"


def test_a_stale_pid_is_never_signalled(lab: Lab) -> None:
    """The server started the VM, then it was stopped and started again from a terminal: the
    recorded pid is not that run, so the server refuses instead of signalling it."""
    lab.seed("dev")
    lab.start("dev")
    lab.server.tart("stop", "dev")
    lab.run_outside("dev", "--no-graphics")
    lab.post("/api/vms/refresh")
    response = lab.request("POST", "/api/vms/dev/shutdown")
    assert response.status_code == 409 and "started again elsewhere" in response.text
    assert lab.tart_state("dev") == "running"


def test_shutdown_after_a_server_restart(make_lab, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first: Lab = make_lab(root=tmp_path / "one")
    first.seed("dev", "darwin")
    first.start("dev", {"suspendable": True, "display": "none"})
    first.server.stop()  # the VM keeps running

    second: Lab = make_lab(root=tmp_path / "one")
    assert second.vm("dev")["status"] == "running"
    actions = second.get("/api/vms/dev/actions")
    assert actions["started_by_server"] and actions["suspendable"]
    options = second.get("/api/vms/dev/start-options")["options"]
    assert (options["display"], options["suspendable"]) == ("none", True)
    done = second.act("/api/vms/dev/shutdown")
    assert done["result"]["method"] == "shutdown"
    assert second.tart_state("dev") == "stopped"
