"""A realistic demo inventory for `taartenfabriek --demo`: two pulled images, three VMs."""

from __future__ import annotations

import time
from pathlib import Path

from .seed import seed_image, seed_vm

DEMO_IMAGES = ("ghcr.io/cirruslabs/macos-sequoia-base:latest", "ghcr.io/cirruslabs/ubuntu:latest")
DEMO_VMS = ("sequoia-dev", "ci-runner-1", "ubuntu-build")


def seed_demo(tart_home: Path) -> None:
    """Create the demo state under `tart_home` (existing entries of the same names are replaced).

    The server's demo mode then starts one VM with `tart run`.
    """
    now = time.time()
    day = 86400.0
    seed_image(tart_home, DEMO_IMAGES[0], accessed=now - 3 * day)
    seed_image(tart_home, DEMO_IMAGES[1], accessed=now - 5 * day)
    seed_vm(
        tart_home,
        "sequoia-dev",
        os_name="darwin",
        cpu=4,
        memory_mb=8192,
        disk_gb=50,
        allocated_gb=24.3,
        accessed=now - 2 * 3600,
    )
    seed_vm(
        tart_home,
        "ci-runner-1",
        os_name="darwin",
        cpu=6,
        memory_mb=12288,
        disk_gb=80,
        allocated_gb=31.7,
        display="1920x1080px",
        accessed=now - day,
    )
    seed_vm(
        tart_home,
        "ubuntu-build",
        os_name="linux",
        cpu=2,
        memory_mb=4096,
        disk_gb=20,
        allocated_gb=3.4,
        accessed=now - 20 * 60,
    )
