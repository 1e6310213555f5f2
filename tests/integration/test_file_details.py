"""A VM's details (CPU, memory, OS, display) come from its files, `tart get` only where they
cannot say: each fallback is checked against what `tart get` itself answers.

The server's tart-sim writes a trace of every `tart` it starts (`TART_SIM_TRACE`), so "no
`tart get`" is observed, not assumed.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.demo import write_tart_shim
from taartenfabriek.inventory.service import CONFIG_FILL_CONCURRENCY
from taartenfabriek.sim.seed import seed_vm
from taartenfabriek.tart.parse import config_fields
from tests.bench.test_rules import _invocations
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def _server(server_factory: Any, tmp_path: Path, *, hidden: bool = False) -> ServerProcess:
    env = {"TART_SIM_TRACE": str(tmp_path / "trace.log")}
    if hidden:
        env["TARTVM_TART_PATH"] = str(_hidden_tart(tmp_path))
    server: ServerProcess = server_factory(env_overrides=env)
    home = server.tart_home / "hidden" if hidden else server.tart_home
    for index in range(3):
        seed_vm(home, f"vm-{index}", cpu=2 + index, display="1920x1080")
    seed_vm(home, "mac", os_name="darwin", cpu=6, memory_mb=12288)
    return server


def _hidden_tart(tmp_path: Path) -> Path:
    """A tart that keeps its VMs where the server does not look (a stand-in's own storage)."""
    shim = write_tart_shim(tmp_path / "hidden-bin")
    text = shim.read_text()
    shim.write_text(text.replace("exec ", 'TART_HOME="$TART_HOME/hidden" exec ', 1))
    return shim


def _tart_get(server: ServerProcess, name: str) -> dict[str, Any]:
    tart = server.env().get("TARTVM_TART_PATH", str(server.tart_path))
    argv = [tart, "get", name, "--format", "json"]
    done = subprocess.run(argv, env=server.env(), capture_output=True, text=True, check=True)
    return config_fields(json.loads(done.stdout))


def _details(server: ServerProcess, count: int) -> dict[str, dict[str, Any]]:
    """GET /api/vms once every working VM has its CPU (the details)."""
    deadline = time.monotonic() + 30
    with server.client() as client:
        while True:
            vms = {vm["name"]: vm for vm in client.get("/api/vms").json()}
            if len(vms) == count and all(vm["cpu"] is not None for vm in vms.values()):
                return vms
            assert time.monotonic() < deadline, vms
            time.sleep(0.05)


def _same_as_tart(server: ServerProcess, vms: dict[str, dict[str, Any]]) -> None:
    for name, vm in vms.items():
        told = _tart_get(server, name)
        for key in ("os", "cpu", "memory", "display"):
            assert vm[key] == told[key], (name, key, vm[key], told[key])


def test_details_come_from_the_files_without_tart_get(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path).start()
    vms = _details(server, 4)
    calls = _invocations(tmp_path / "trace.log")
    assert not [c for c in calls if c.startswith("get ")], calls
    assert [c for c in calls if c.startswith("list ")] == ["list --format json"], calls
    assert vms["mac"]["os"] == "darwin" and vms["mac"]["memory"] == "12G"
    assert vms["vm-1"]["cpu"] == 3 and vms["vm-1"]["display"] == "1920x1080"
    _same_as_tart(server, vms)


def test_an_unreadable_config_is_asked_of_tart(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path)
    config = server.tart_home / "vms" / "vm-2" / "config.json"
    raw = json.loads(config.read_text())
    raw["memorySize"] = "a lot"  # Tart's decoder wants an integer (VMConfig.swift:128)
    config.write_text(json.dumps(raw))
    server.start()
    vms = _details(server, 4)
    gets = [c for c in _invocations(tmp_path / "trace.log") if c.startswith("get ")]
    assert gets == ["get vm-2 --format json"]
    _same_as_tart(server, vms)  # whatever tart says for vm-2, never a value we guessed


def test_vms_kept_elsewhere_are_asked_of_tart(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path, hidden=True)
    # the server's own TART_HOME holds a different VM of the same name: never read
    seed_vm(server.tart_home, "vm-0", cpu=9)
    server.start()
    vms = _details(server, 4)
    gets = sorted(c for c in _invocations(tmp_path / "trace.log") if c.startswith("get "))
    assert gets == [f"get {name} --format json" for name in ("mac", "vm-0", "vm-1", "vm-2")]
    assert vms["vm-0"]["cpu"] == 2
    _same_as_tart(server, vms)


def test_tart_set_outside_shows_at_the_next_refresh(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path).start()
    before = _details(server, 4)
    with server.client() as client:
        assert client.get("/api/vms/vm-0/config").json()["cpu"] == 2
        server.tart("set", "vm-0", "--cpu", "7", "--memory", "6144")
        after = {vm["name"]: vm for vm in client.post("/api/vms/refresh").json()}
        assert before["vm-0"]["cpu"] == 2
        assert after["vm-0"]["cpu"] == 7 and after["vm-0"]["memory"] == "6G"
        assert client.get("/api/vms/vm-0/config").json()["cpu"] == 7
    _same_as_tart(server, after)


def test_tart_get_runs_in_a_bounded_pool(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Where every VM needs `tart get` (kept elsewhere), at most a handful run at once."""
    busy = tmp_path / "busy"
    busy.mkdir()
    peaks = tmp_path / "peaks"
    shim = _hidden_tart(tmp_path)
    text = shim.read_text()
    counting = (
        f'if [ "$1" = get ]; then mkdir {busy}/$$; ls {busy} | wc -l >> {peaks}; '
        f"sleep 0.3; rmdir {busy}/$$; fi\n"
    )
    shebang, rest = text.split("\n", 1)
    shim.write_text(f"{shebang}\n{counting}{rest}")
    server: ServerProcess = server_factory(env_overrides={"TARTVM_TART_PATH": str(shim)})
    for index in range(12):
        seed_vm(server.tart_home / "hidden", f"vm-{index}")
    server.start()
    _details(server, 12)
    counts = [int(line) for line in peaks.read_text().split()]
    assert len(counts) == 12
    assert max(counts) <= CONFIG_FILL_CONCURRENCY
