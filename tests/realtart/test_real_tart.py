"""The real `tart` through the real server, on a Mac: the lane that checks a release.

Skipped unless TARTVM_REAL_TART=1 and a real Tart (not tart-sim) is on the PATH; the start and
stop run on an Apple-silicon Mac unless TARTVM_REAL_TART_RUN=0 (a runner without nested
virtualization). Every VM
lives in a fresh TART_HOME under the test's temporary folder, so the Mac's own VMs are never
touched; nothing is pulled (a `create --linux` VM has an empty disk, so a start finds no IP,
which is fine: the start and stop themselves are what is checked).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from taartenfabriek.tart.features import parse_version
from taartenfabriek.tart.host import detect
from tests.server import ServerProcess


def real_tart() -> str | None:
    """The `tart` on the PATH when it is Tart itself (a Mach-O binary), not a Python shim."""
    found = shutil.which("tart")
    if found is None or sys.platform != "darwin":
        return None
    with open(os.path.realpath(found), "rb") as handle:
        magic = handle.read(4)
    return found if magic in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe") else None


TART = real_tart() if os.environ.get("TARTVM_REAL_TART") == "1" else None
pytestmark = [
    pytest.mark.realtart,
    pytest.mark.skipif(TART is None, reason="needs TARTVM_REAL_TART=1 and Tart on the PATH"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    assert TART is not None
    root = tmp_path_factory.mktemp("realtart")
    env = {
        "TARTVM_TART_PATH": TART,
        "TART_HOME": str(root / "tart-home"),
        "TARTVM_START_IP_TIMEOUT": "15",
        "TARTVM_PULL_SPACE_CHECK": "false",
    }
    process = ServerProcess(root=root, env_overrides=env).start(timeout=60)
    try:
        yield process
    finally:
        process.stop()


def call(server: ServerProcess, method: str, path: str, body: Any = None) -> Any:
    with server.client() as client:
        response = client.request(method, path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def task(server: ServerProcess, method: str, path: str, body: Any = None) -> Any:
    done = server.wait_task(call(server, method, path, body)["id"], timeout=600)
    assert done["status"] == "completed", done
    return done


def test_health_knows_this_tart_and_mac(server: ServerProcess) -> None:
    health = call(server, "GET", "/api/health")
    version = subprocess.run([str(TART), "--version"], capture_output=True, text=True).stdout
    assert health["tart_version"] == parse_version(version).raw
    assert health["tart_supported"] is True and health["host"]["is_mac"] is True
    assert call(server, "GET", "/api/tart/version")["version"] == version.strip()


def test_a_vm_through_its_whole_life(server: ServerProcess) -> None:
    task(server, "POST", "/api/vms/create-empty", {"name": "rt-one", "os": "linux", "disk_size": 5})
    names = [vm["name"] for vm in call(server, "POST", "/api/vms/refresh")]
    assert names == ["rt-one"]
    config = call(server, "GET", "/api/vms/rt-one/config?force_refresh=true")
    assert config["os"] == "linux" and config["disk_size"] == "5G"

    task(server, "POST", "/api/vms/rt-one/clone", {"new_name": "rt-two"})
    task(server, "PATCH", "/api/vms/rt-two/config", {"cpu": 2, "memory": 2})
    config = call(server, "GET", "/api/vms/rt-two/config?force_refresh=true")
    assert (config["cpu"], config["memory"]) == (2, "2G")
    task(server, "POST", "/api/vms/rt-two/rename", {"new_name": "rt-three"})
    names = sorted(vm["name"] for vm in call(server, "POST", "/api/vms/refresh"))
    assert names == ["rt-one", "rt-three"]

    plan = call(server, "POST", "/api/storage/prune/preview", {"space_budget_gb": 0})
    assert (plan["entries"], plan["remove"]) == ("caches", [])  # a fresh TART_HOME

    # GitHub's hosted arm64 runners cannot nest virtualization: TARTVM_REAL_TART_RUN=0 there
    can_run = os.environ.get("TARTVM_REAL_TART_RUN") != "0"
    if can_run and detect().refusal("vnc-experimental") is None:
        body = {"display": "vnc-experimental", "remember": False}
        started = task(server, "POST", "/api/vms/rt-one/start", body)
        assert started["result"]["ip_address"] is None  # an empty disk boots nothing
        assert call(server, "GET", "/api/vms/rt-one")["status"] == "running"
        task(server, "POST", "/api/vms/rt-one/stop")
        assert call(server, "POST", "/api/vms/refresh")[0]["status"] == "stopped"

    for name in ("rt-one", "rt-three"):
        task(server, "POST", f"/api/vms/{name}/delete")
    assert call(server, "POST", "/api/vms/refresh") == []
