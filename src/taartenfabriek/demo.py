"""`--demo`: the server against the bundled tart simulator, with a fresh demo inventory."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

DEMO_RUNNING_VM = "sequoia-dev"


def write_tart_shim(bin_dir: Path) -> Path:
    """An executable named `tart` that runs the simulator with this Python."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "tart"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m taartenfabriek.sim "$@"\n')
    shim.chmod(0o755)
    return shim


def prepare(state_dir: Path) -> tuple[Path, Path]:
    """Make a fresh demo TART_HOME with VMs and images; returns (tart shim, TART_HOME)."""
    from .sim.demo import seed_demo

    tart_home = state_dir / "tart"
    stop_all(state_dir)
    shutil.rmtree(tart_home, ignore_errors=True)
    seed_demo(tart_home)
    shim = write_tart_shim(state_dir / "bin")
    env = {**os.environ, "TART_HOME": str(tart_home)}
    log = state_dir / "logs" / "demo-run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        subprocess.Popen(
            [str(shim), "run", "--vnc", "--no-graphics", DEMO_RUNNING_VM],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    return shim, tart_home


def stop_all(state_dir: Path) -> None:
    """Stop every simulated VM of the demo (they are processes of this machine)."""
    tart_home = state_dir / "tart"
    shim = state_dir / "bin" / "tart"
    if not shim.exists() or not (tart_home / "vms").is_dir():
        return
    env = {**os.environ, "TART_HOME": str(tart_home)}
    for vm in sorted((tart_home / "vms").iterdir()):
        subprocess.run(
            [str(shim), "stop", "--timeout", "2", vm.name],
            env=env,
            capture_output=True,
            timeout=30,
            check=False,
        )
