"""Throwaway runs through the real server and tart-sim: clone, start, deleted when it stops."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def _names(lab: Lab) -> set[str]:
    return {vm["name"] for vm in lab.get("/api/vms")}


def _gone(lab: Lab, name: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while name in _names(lab):
        assert time.monotonic() < deadline, f"{name} was not deleted"
        time.sleep(0.2)
    assert not (lab.server.tart_home / "vms" / name).exists()


def test_a_throwaway_copy_runs_and_is_deleted_when_it_stops(lab: Lab) -> None:
    lab.seed("golden")
    lab.post("/api/vms/refresh")
    final = lab.act("/api/vms/golden/run-copy", {"new_name": "ci-1"})
    assert (final["vm"], final["result"]["throwaway"]) == ("ci-1", True)
    copy = next(vm for vm in lab.get("/api/vms") if vm["name"] == "ci-1")
    assert (copy["status"], copy["throwaway"]) == ("running", True)
    assert lab.tart_state("golden") == "stopped"  # the source is untouched
    lab.server.tart("stop", "ci-1")  # stopped at a terminal, not by the server
    _gone(lab, "ci-1")
    assert "golden" in _names(lab)


def test_a_generated_name_and_a_stop_through_the_server(lab: Lab) -> None:
    lab.seed("golden")
    lab.post("/api/vms/refresh")
    final = lab.act("/api/vms/golden/run-copy", {})
    name = final["vm"]
    assert name.startswith("golden-run-") and len(name) == len("golden-run-") + 6
    lab.act(f"/api/vms/{name}/stop")
    _gone(lab, name)


def test_a_restarted_server_finishes_the_cleanup_it_owes(make_lab: Any) -> None:
    lab: Lab = make_lab()
    lab.seed("golden")
    lab.post("/api/vms/refresh")
    lab.act("/api/vms/golden/run-copy", {"new_name": "ci-2"})
    lab.server.kill()  # kill -9: no shutdown hook runs
    lab.server.tart("stop", "ci-2")  # the copy stops while no server is there
    assert (lab.server.tart_home / "vms" / "ci-2").exists()
    lab.server.start()
    _gone(lab, "ci-2")


def test_the_macos_limit_applies_before_the_clone(make_lab: Any) -> None:
    lab: Lab = make_lab()
    for name in ("mac-1", "mac-2", "mac-3"):
        lab.seed(name, os_name="darwin")
    lab.post("/api/vms/refresh")
    lab.start("mac-1")
    lab.start("mac-2")
    refused = lab.request("POST", "/api/vms/mac-3/run-copy", {"new_name": "mac-copy"})
    assert refused.status_code == 409, refused.text
    assert "at most 2 macOS VMs" in refused.json()["detail"]
    assert not (lab.server.tart_home / "vms" / "mac-copy").exists()


def test_run_copy_refusals(lab: Lab) -> None:
    lab.seed("golden")
    lab.post("/api/vms/refresh")
    assert lab.request("POST", "/api/vms/ghost/run-copy", {}).status_code == 404
    taken = lab.request("POST", "/api/vms/golden/run-copy", {"new_name": "golden"})
    assert taken.status_code == 409
    bad = lab.request("POST", "/api/vms/golden/run-copy", {"new_name": "-x"})
    assert bad.status_code == 422
