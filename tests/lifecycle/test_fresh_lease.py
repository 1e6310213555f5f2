"""Issue 16.3: a start reports the IP only once this run's guest has its lease. tart-sim keeps
macOS's lease file and, like macOS, answers an earlier run's lease at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def _expiry(lab: Lab, name: str) -> int:
    mac = json.loads((lab.server.tart_home / "vms" / name / "config.json").read_text())
    bootpd = ":".join(format(int(octet, 16), "x") for octet in mac["macAddress"].split(":"))
    text = (lab.server.tart_home / ".sim-dhcpd_leases").read_text()
    block = next(b for b in text.split("}") if f"hw_address=1,{bootpd}\n" in b)
    return int(block.split("lease=", 1)[1].split()[0], 16)


def _logs(lab: Lab, task: dict[str, Any]) -> str:
    with lab.server.client() as client:
        return str(client.get(f"/api/tasks/{task['id']}").json()["logs"])


def test_a_restart_waits_for_the_guests_own_lease(make_lab: Any) -> None:
    lab = make_lab(TART_SIM_BOOT_SECONDS="1.5")
    lab.seed("dev", "darwin")
    lab.start("dev")
    first = _expiry(lab, "dev")
    lab.act("/api/vms/dev/stop")
    assert lab.server.tart("ip", "dev", check=False).returncode == 0  # macOS: the old lease
    done = lab.start("dev")
    assert _expiry(lab, "dev") > first  # answered only after the guest asked again
    assert done["result"]["ip_address"].startswith("192.168.64.")
    assert "lease of an earlier run" in _logs(lab, done)
    assert lab.tart_state("dev") == "running"
    lab.act("/api/vms/dev/stop")


def test_without_a_lease_file_tart_ip_is_trusted(make_lab: Any, tmp_path: Path) -> None:
    lab = make_lab(TART_SIM_BOOT_SECONDS="1.5", TARTVM_DHCPD_LEASES=str(tmp_path / "none"))
    lab.seed("dev", "darwin")
    lab.start("dev")
    lab.act("/api/vms/dev/stop")
    done = lab.start("dev")
    assert "lease of an earlier run" not in _logs(lab, done)
    lab.act("/api/vms/dev/stop")
