"""`--demo`: the server against the bundled tart simulator, with a fresh demo inventory."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def catalog_images(tart_home: Path) -> list[Any]:
    """The demo's catalog: what the simulated registry serves (sim/registry.py: Cirrus Labs'
    images by any tag, the names of TART_SIM_REGISTRY and what was pushed to it), so the
    pull dialog of `--demo` never reaches for a real registry."""
    from .catalog import images, known
    from .core.models import VMImage

    found: list[Any] = images.builtin_images("ghcr.io", origin="simulator")
    listed = [os.environ.get("TART_SIM_REGISTRY", ""), str(tart_home / ".sim-registry")]
    seen = {image.url.rsplit(":", 1)[0] for image in found}
    for source in filter(None, listed):
        try:
            lines = Path(source).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            reference = fields[0]
            if "@" in reference:
                continue  # a digest: the catalog lists names by tag
            last = reference.rsplit("/", 1)[-1]
            base, tag = (reference.rsplit(":", 1)) if ":" in last else (reference, "latest")
            if base in seen:
                continue
            seen.add(base)
            os_name = "macos" if len(fields) > 1 and fields[1] == "darwin" else "linux"
            found.append(
                VMImage(
                    name=base.rsplit("/", 1)[-1],
                    url=f"{base}:{tag}",
                    tags=[tag],
                    origin="simulator",
                    os=os_name,
                    description=known.describe(base.rsplit("/", 1)[-1]),
                )
            )
    return found
