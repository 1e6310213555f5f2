"""`--demo`: the server against the bundled tart simulator and a demo inventory.

The simulated Tart folder is seeded only when it is empty, so VMs made in the demo survive a
restart; `--demo-reset` deletes it and seeds afresh.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from .tart import spawn
from .tart.argv import UnsafeName

DEMO_RUNNING_VM = "sequoia-dev"


def write_tart_shim(bin_dir: Path) -> Path:
    """An executable named `tart` that runs the simulator with this Python."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "tart"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m taartenfabriek.sim "$@"\n')
    shim.chmod(0o755)
    return shim


def _is_empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except FileNotFoundError:
        return True


def prepare(state_dir: Path, *, reset: bool = False) -> tuple[Path, Path]:
    """The demo TART_HOME, seeded when empty (or `reset`); returns (tart shim, TART_HOME).

    The demo's running VM is started again when it still exists: the server stopped it when it
    last exited, and the demo shows a running VM.
    """
    from .sim.demo import seed_demo

    tart_home = state_dir / "tart"
    stop_all(state_dir)
    if reset:
        shutil.rmtree(tart_home, ignore_errors=True)
    if _is_empty(tart_home):
        seed_demo(tart_home)
    shim = write_tart_shim(state_dir / "bin")
    if (tart_home / "vms" / DEMO_RUNNING_VM).is_dir():
        env = {**os.environ, "TART_HOME": str(tart_home)}
        log = state_dir / "logs" / "demo-run.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        spawn.run_detached(str(shim), DEMO_RUNNING_VM, env, log)
    return shim, tart_home


def stop_all(state_dir: Path) -> None:
    """Stop every simulated VM of the demo (they are processes of this machine)."""
    tart_home = state_dir / "tart"
    shim = state_dir / "bin" / "tart"
    if not shim.exists() or not (tart_home / "vms").is_dir():
        return
    env = {**os.environ, "TART_HOME": str(tart_home)}
    for vm in sorted((tart_home / "vms").iterdir()):
        try:
            spawn.stop_sync(str(shim), vm.name, env, timeout=2)
        except UnsafeName:  # made outside the app; tart could not be told to stop it
            continue


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
