"""Issue 16.4: `tart run` takes the VM's lock only once the VM is built, so `tart stop` in a
start's first seconds finds nothing running; a cancelled start ends its own `tart run`."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def _run_pid(lab: Lab, name: str) -> int:
    folder = lab.server.home / "logs" / "runs" / name
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for sidecar in folder.glob("*.json") if folder.exists() else []:
            pid = json.loads(sidecar.read_text()).get("pid")
            if pid:
                return int(pid)
        time.sleep(0.05)
    raise AssertionError("no tart run was spawned")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_a_cancelled_start_ends_its_tart_run_before_the_vm_is_locked(make_lab: Any) -> None:
    lab = make_lab(TART_SIM_LOCK_SECONDS="20")
    lab.seed("dev")
    task = lab.post("/api/vms/dev/start")
    pid = _run_pid(lab, "dev")
    assert lab.server.tart("stop", "dev", check=False).returncode == 2  # "not running" yet
    lab.post(f"/api/tasks/{task['id']}/cancel")
    final = lab.server.wait_task(task["id"])
    assert final["status"] == "failed", (final["logs"], final["updated_at"] - final["created_at"])
    assert not _alive(pid)  # the VM can never come up now
    assert "ending the tart run this start spawned" in str(final["logs"])
    assert lab.tart_state("dev") == "stopped"
