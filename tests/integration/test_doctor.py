"""`taartenfabriek doctor`: every check printed, each failure with its fix, exit 1 on a failure,
on Linux too (against tart-sim), saying what it cannot check here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.core.settings import Settings
from taartenfabriek.demo import write_tart_shim
from taartenfabriek.doctor import Doctor, _run, probe
from taartenfabriek.sim.seed import seed_vm
from taartenfabriek.tart.host import Host

pytestmark = pytest.mark.integration
NAMES = ["tart", "host", "tart_home", "softnet", "local_network", "launch_agent"]


def doctor(tmp_path: Path, *args: str, **env: str) -> tuple[int, Any, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TARTVM_", "TART_"))}
    base.update({"HOME": str(tmp_path / "user"), "PATH": os.path.dirname(sys.executable)})
    done = subprocess.run(
        [sys.executable, "-m", "taartenfabriek", "doctor", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = json.loads(done.stdout) if "--json" in args else done.stdout
    return done.returncode, output, done.stderr


def test_without_tart_every_check_still_answers(tmp_path: Path) -> None:
    code, report, _ = doctor(tmp_path, "--json", TART_HOME=str(tmp_path / "th"))
    assert code == 1
    checks = {c["name"]: c for c in report["checks"]}
    assert list(checks) == NAMES
    assert all(set(c) == {"name", "ok", "detail", "fix"} for c in report["checks"])
    assert (
        checks["tart"]["ok"] is False
        and "brew install cirruslabs/cli/tart" in checks["tart"]["fix"]
    )
    if sys.platform != "darwin":
        for name in ("host", "softnet", "local_network"):
            assert checks[name]["ok"] is True and "not a Mac" in checks[name]["detail"]
    assert str(tmp_path / "th") in checks["tart_home"]["detail"]
    code, text, _ = doctor(tmp_path)
    assert code == 1 and "FAIL  tart: no `tart` on the PATH" in text
    assert "      fix: install Tart" in text and "1 of 6 checks failed" in text.splitlines()[-1]


def test_against_tart_sim_old_and_new(tmp_path: Path) -> None:
    shim = write_tart_shim(tmp_path / "bin")
    home = {"TARTVM_TART_PATH": str(shim), "TART_HOME": "~/tarts"}
    code, report, _ = doctor(tmp_path, "--json", **home, TART_SIM_VERSION="1.9.2")
    tart = report["checks"][0]
    assert code == 1 and tart["ok"] is False and "older than 2.0.0" in tart["detail"]
    _, report, _ = doctor(tmp_path, "--json", **home, TART_SIM_VERSION="2.26.0")
    tart = report["checks"][0]
    assert tart["ok"] is True and "`tart exec` (the terminal) (2.27.0)" in tart["detail"]
    code, report, _ = doctor(tmp_path, "--json", **home)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["tart"]["detail"].startswith(f"Tart 2.32.1 at {shim}")
    assert f"TART_HOME {tmp_path / 'user' / 'tarts'}" in checks["tart_home"]["detail"]
    assert code == (0 if all(c["ok"] for c in report["checks"]) else 1)


def test_local_network_probe_on_a_mac(tmp_path: Path) -> None:
    """A Mac on macOS 15 with a running guest that cannot be reached: the FAQ's workaround."""
    shim = write_tart_shim(tmp_path / "bin")
    tart_home = tmp_path / "th"
    seed_vm(tart_home, "guest", os_name="linux")
    env = {**os.environ, "TART_HOME": str(tart_home), "TART_SIM_BOOT_SECONDS": "0"}
    run = subprocess.Popen(
        [str(shim), "run", "--no-graphics", "guest"], env=env, start_new_session=True
    )
    try:
        sequoia = Host(is_mac=True, apple_silicon=True, macos=(15, 5, 0))
        settings = Settings(tart_path=str(shim), tart_home=tart_home)
        probed: list[str] = []

        def unreachable(address: str, timeout: float) -> tuple[bool, str]:
            probed.append(address)  # what macOS answers a process without the permission
            return False, "No route to host"

        checkup = Doctor(settings, env, sequoia, _run, reach=unreachable)
        deadline = 0
        while checkup._running_guest() is None and deadline < 200:  # until `tart ip` answers
            deadline += 1
        check = checkup.check_local_network(checkup.check_tart()[1])
        assert check.name == "local_network" and check.ok is False, check
        assert check.detail == f"cannot reach guest at {probed[0]}: No route to host"
        assert probed[0].startswith("192.168.64.")  # the IP tart-sim's `tart ip` gave
        assert check.fix is not None and "AllowedEthernetLocalNetworkAddresses" in check.fix
        ventura = Doctor(settings, env, Host(True, True, (13, 6, 0)), _run)
        assert "no Local Network permission" in ventura.check_local_network(None).detail
    finally:
        run.terminate()
        run.wait(timeout=10)


def test_probe_counts_a_refused_port_as_reached() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    assert probe("127.0.0.1", port, timeout=2) == (
        True,
        "the guest refused the port, so it is reachable",
    )


def test_host_and_softnet_findings_on_a_mac(tmp_path: Path) -> None:
    settings = Settings(tart_path="tart", tart_home=tmp_path / "th")
    empty = {"PATH": str(tmp_path / "nothing")}

    def checkup(host: Host, environ: dict[str, str] = empty) -> Doctor:
        return Doctor(settings, environ, host, _run)

    intel = checkup(Host(True, False, (15, 5, 0))).check_host()
    assert (intel.ok, intel.detail) == (False, "macOS 15.5 on an Intel processor")
    assert intel.fix == "Tart runs VMs on Apple silicon Macs only"
    monterey = checkup(Host(True, True, (12, 7, 0))).check_host()
    assert not monterey.ok and monterey.fix == "Tart needs macOS 13 (Ventura) or newer"
    ventura = checkup(Host(True, True, (13, 6, 0))).check_host()
    assert ventura.ok and "suspend and the terminal (`tart exec`) need macOS 14" in ventura.detail

    sequoia = Host(True, True, (15, 5, 0))
    absent = checkup(sequoia).check_softnet()
    assert absent.ok and absent.detail == "softnet is not installed: softnet networking is off"
    assert absent.fix is not None and "brew install cirruslabs/cli/softnet" in absent.fix
    (tmp_path / "bin").mkdir()
    softnet = tmp_path / "bin" / "softnet"
    softnet.write_text("#!/bin/sh\n")
    softnet.chmod(0o755)
    found = checkup(sequoia, {"PATH": str(tmp_path / "bin")}).check_softnet()
    if not shutil.which("sudo"):  # (passwordless sudo for softnet would make it ready)
        assert not found.ok and "not set up yet" in found.detail
        assert found.fix is not None and "once from a terminal" in found.fix
