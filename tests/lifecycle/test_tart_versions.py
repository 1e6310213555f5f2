"""Gates against an older Tart, through the real server and tart-sim's TART_SIM_VERSION: each
refusal names the release it needs, and nothing reaches a Tart that would misread it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def refused(response: Any, status: int, release: str) -> str:
    assert response.status_code == status, response.text
    detail = str(response.json()["detail"])
    assert f"Tart {release} or newer" in detail, detail
    return detail


def test_start_options_an_old_tart_lacks(make_lab: Any, tmp_path: Path) -> None:
    lab: Lab = make_lab(TART_SIM_VERSION="2.5.0")
    lab.seed("lin")
    lab.seed("mac", "darwin")
    share = {"name": "src", "path": str(tmp_path), "tag": "build"}
    cases = [
        ("lin", {"network": "host"}, "2.7.0"),
        ("lin", {"dirs": [share]}, "2.6.0"),
        ("mac", {"suspendable": True, "dirs": [f"src:{tmp_path}"]}, "2.27.2"),
    ]
    for name, body, release in cases:
        for method, path in (
            ("PUT", f"/api/vms/{name}/start-options"),
            ("POST", f"/api/vms/{name}/start-options/preview"),
            ("POST", f"/api/vms/{name}/start"),
        ):
            refused(lab.request(method, path, body), 422, release)
    with lab.server.client() as client:
        assert client.get("/api/tasks", params={"vm": "lin"}).json() == []
    health = lab.get("/api/health")
    assert health["tart_version"] == "2.5.0" and health["tart_supported"] is True
    assert health["allows"]["net-host"] is False and health["allows"]["vnc"] is True
    assert "2.7.0" in health["refusals"]["net-host"]


def test_suspendable_with_shared_folders_from_2_27_2(make_lab: Any, tmp_path: Path) -> None:
    """Refused everywhere before; Tart 2.27.2 (#1082) dropped the check, so now it starts."""
    old: Lab = make_lab(TART_SIM_VERSION="2.27.1")
    old.seed("mac", "darwin")
    body = {"suspendable": True, "dirs": [f"src:{tmp_path}"], "display": "none"}
    refused(old.request("POST", "/api/vms/mac/start", body), 422, "2.27.2")

    new: Lab = make_lab()
    new.seed("mac", "darwin")
    done = new.start("mac", body)
    assert done["status"] == "completed"
    assert new.run_args("mac") == ["--no-graphics", "--dir", f"src:{tmp_path}", "--suspendable"]
    suspended = new.act("/api/vms/mac/suspend")
    assert suspended["result"]["state"] == "suspended"


def test_no_sigusr2_to_a_tart_that_dies_of_it(make_lab: Any) -> None:
    lab: Lab = make_lab(TART_SIM_VERSION="2.11.0")
    lab.seed("dev")
    lab.start("dev", {"display": "none"})
    action = lab.get("/api/vms/dev/actions")["shutdown"]
    assert action["allowed"] is False and "2.12.0" in action["reason"]
    detail = refused(lab.request("POST", "/api/vms/dev/shutdown"), 409, "2.12.0")
    assert "stop the VM instead" in detail
    assert lab.tart_state("dev") == "running"  # never signalled
    lab.act("/api/vms/dev/stop")


def test_random_mac_ip_agent_and_prune_by_age(make_lab: Any) -> None:
    lab: Lab = make_lab(TART_SIM_VERSION="2.9.0")
    lab.seed("dev")
    with lab.server.client() as client:
        task = client.patch("/api/vms/dev/config", json={"random_mac": True}).json()
    failed = lab.done(task, "failed")
    assert "Tart 2.10.0 or newer" in failed["error"]
    assert "Unknown option" not in str(failed["logs"])  # refused before tart saw it

    refused(lab.request("PUT", "/api/vms/dev/ip-resolver", {"resolver": "agent"}), 409, "2.28.0")
    assert lab.get("/api/vms/dev/ip-resolver")["chosen"] is None

    body = {"entries": "caches", "older_than_days": 3}
    detail = refused(lab.request("POST", "/api/storage/prune/preview", body), 409, "2.31.0")
    assert "prune by age cannot judge" in detail
    budget = lab.request("POST", "/api/storage/prune/preview", {"space_budget_gb": 100})
    assert budget.status_code == 200, budget.text


def test_a_current_tart_allows_them(lab: Lab) -> None:
    lab.seed("dev")
    health = lab.get("/api/health")
    assert health["tart_version"] == "2.32.1" and health["tart_minimum"] == "2.0.0"
    assert health["host"] == {"is_mac": False, "apple_silicon": True, "macos": "26.0"}
    assert all(health["allows"].values()) and health["refusals"] == {}
    chosen = lab.request("PUT", "/api/vms/dev/ip-resolver", {"resolver": "agent"})
    assert chosen.status_code == 200, chosen.text
    preview = lab.request("POST", "/api/storage/prune/preview", {"older_than_days": 3})
    assert preview.status_code == 200, preview.text
