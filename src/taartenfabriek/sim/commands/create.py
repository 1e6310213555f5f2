"""`tart create <name> (--linux | --from-ipsw <path|URL|latest>)` (§5 create).

`--linux` is instant; `--from-ipsw` simulates the download and installation with progress
lines over TART_SIM_IPSW_SECONDS and TART_SIM_INSTALL_SECONDS. Replaces an existing VM.
"""

from __future__ import annotations

import os

from .. import home, knobs, localstore, vmconfig
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import PlainError, ValidationError
from ..files import create_sparse, new_uuid, remove
from ..output import out
from ..progress import Progress

SPEC = Spec(
    "create",
    "Create a VM",
    [
        arg("name", "VM name"),
        opt(
            "--from-ipsw",
            "create a macOS VM using path to the IPSW file or URL (or "
            '"latest", to fetch the latest supported IPSW automatically)',
            value_name="path",
        ),
        flag("--linux", "create a Linux VM"),
        opt("--disk-size", "Disk size in GB", type="uint16", default=50),
        opt(
            "--disk-format",
            "Disk image format",
            type="ichoice",
            choices=("raw", "asif"),
            default="raw",
        ),
    ],
)
LATEST_IPSW = "https://updates.cdn-apple.com/2025FallFCS/fullrestores/093-37399/UniversalMac_26.0_25A354_Restore.ipsw"
NVRAM_SIZE = 131072


def validate(ns: Namespace) -> None:
    if ns.from_ipsw is None and not ns.linux:
        raise ValidationError("Please specify either a --from-ipsw or --linux option!")


def _fetch_ipsw(url: str) -> None:
    import hashlib

    cache = home.ipsw_dir()
    cached = os.path.join(cache, f"sha256:{hashlib.sha256(url.encode()).hexdigest()}.ipsw")
    if os.path.exists(cached):
        out("Using cached *.ipsw file...")
        return
    out(f"Fetching {url.rsplit('/', 1)[-1]}...")
    Progress().run(knobs.seconds("TART_SIM_IPSW_SECONDS", 5.0))
    os.makedirs(cache, exist_ok=True)
    create_sparse(cached, 17_000_000_000)


def _install_macos(staging: str, source: str, disk_size: int, disk_format: str) -> None:
    if source == "latest":
        out("Looking up the latest supported IPSW...")
        _fetch_ipsw(LATEST_IPSW)
    elif source.startswith(("http://", "https://")):
        _fetch_ipsw(source)
    elif not os.path.isfile(os.path.expanduser(source)):
        name = os.path.basename(source)
        raise PlainError(f"The file “{name}” couldn’t be opened because there is no such file.")
    create_sparse(os.path.join(staging, "disk.img"), disk_size * 1_000_000_000)
    create_sparse(os.path.join(staging, "nvram.bin"), NVRAM_SIZE)
    out("Installing OS...")
    Progress().run(knobs.seconds("TART_SIM_INSTALL_SECONDS", 10.0))
    # cpuCount = max(4, image minimum), memory = image minimum (§3.1).
    config = vmconfig.new_config(
        "darwin", cpu=4, cpu_min=4, memory=8 * vmconfig.GIB, disk_format=disk_format
    )
    vmconfig.save(os.path.join(staging, "config.json"), config)


def _create_linux(staging: str, disk_size: int, disk_format: str) -> None:
    config = vmconfig.new_config("linux", cpu=4, memory=4 * vmconfig.GIB, disk_format=disk_format)
    create_sparse(os.path.join(staging, "nvram.bin"), NVRAM_SIZE)
    create_sparse(os.path.join(staging, "disk.img"), disk_size * 1_000_000_000)
    vmconfig.save(os.path.join(staging, "config.json"), config)


def run(ns: Namespace) -> int:
    disk_size = ns.disk_size
    assert isinstance(disk_size, int)
    disk_format = str(ns.disk_format)
    staging, lock = home.staging(new_uuid())
    try:
        if isinstance(ns.from_ipsw, str):
            _install_macos(staging, ns.from_ipsw, disk_size, disk_format)
        if ns.linux:
            _create_linux(staging, disk_size, disk_format)
        localstore.install(staging, str(ns.name)).touch()
    finally:
        remove(staging)
        lock.unlock()
    return 0
