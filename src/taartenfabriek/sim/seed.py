"""Build Tart state directly on disk, fast: for tests and for the demo inventory.

Every function takes the TART_HOME directory explicitly (never reads the environment) and
writes exactly what the simulator itself would. Stdlib only.
"""

from __future__ import annotations

import os

from . import ocistore, vmconfig
from .files import create_sparse, new_uuid
from .locks import FileLock
from .names import encode_host, parse
from .ocipull import stage_image
from .registry import GB, Image, digest_of, lookup
from .vmdir import write_allocated

NVRAM_SIZE = 131072


def _age(directory: str, accessed: float | None) -> None:
    """Set the "last accessed" date (keeping mtime older, so relatime never bumps it)."""
    if accessed is not None:
        os.utime(directory, (accessed, accessed - 1))


def seed_vm(
    tart_home: str | os.PathLike[str],
    name: str,
    *,
    os_name: str = "linux",
    cpu: int = 4,
    memory_mb: int | None = None,
    disk_gb: int = 50,
    allocated_gb: float = 0.0,
    mac: str | None = None,
    display: str | None = None,
    disk_format: str = "raw",
    suspended: bool = False,
    accessed: float | None = None,
) -> str:
    """Create `vms/<name>` (replacing it) and return its path."""
    root = os.path.join(os.fspath(tart_home), "vms")
    os.makedirs(root, exist_ok=True)
    for sub in ("cache", "tmp"):
        os.makedirs(os.path.join(os.fspath(tart_home), sub), exist_ok=True)
    staging, held = _staging(os.fspath(tart_home))
    darwin = os_name == "darwin"
    memory = (memory_mb or (8192 if darwin else 4096)) * 1024 * 1024
    config = vmconfig.new_config(
        os_name,
        cpu=cpu,
        memory=memory,
        cpu_min=4 if darwin else cpu,
        memory_min=8 * vmconfig.GIB if darwin else memory,
        mac=mac,
        disk_format=disk_format,
    )
    if display:
        width, _, height = display.rstrip("tpx").partition("x")
        shown: dict[str, object] = {"width": int(width), "height": int(height)}
        if display.endswith(("pt", "px")):
            shown["unit"] = display[-2:]
        config["display"] = shown
    vmconfig.save(os.path.join(staging, "config.json"), config)
    create_sparse(os.path.join(staging, "disk.img"), disk_gb * GB)
    create_sparse(os.path.join(staging, "nvram.bin"), NVRAM_SIZE)
    write_allocated(staging, int(allocated_gb * GB))
    if suspended:
        create_sparse(os.path.join(staging, "state.vzvmsave"), memory)
    target = os.path.join(root, name)
    if os.path.exists(target):
        from .files import remove

        remove(target)
    # Aged before it appears: a reader that sees the new folder (the server's watcher, and
    # the `tart get` it starts) must never see it with today's date, as Tart's own clone and
    # create move a finished folder in (Sources/tart/VMStorageLocal.swift:36-39, `move`).
    # A rename keeps the access date.
    _age(staging, accessed)
    os.rename(staging, target)
    held.unlock()
    return target


def _staging(tart_home: str) -> tuple[str, FileLock]:
    """A `tmp/seed-<uuid>` folder under a flock, like Tart's own temporary folders: the
    garbage collector every `tart` command runs first (`home.collect_garbage`; Tart's
    Sources/tart/Config.swift:28-40 skips a `tmp/` entry it cannot trylock) leaves it
    alone, so seeding beside a running server cannot lose it. Made again if a collector
    removed it before the lock was taken."""
    while True:
        staging = os.path.join(tart_home, "tmp", f"seed-{new_uuid()}")
        os.makedirs(staging)
        held = FileLock(staging)
        try:
            held.lock()
        except FileNotFoundError:
            continue
        if os.path.isdir(staging):
            return staging, held
        held.unlock()


def seed_image(
    tart_home: str | os.PathLike[str],
    remote_name: str,
    *,
    os_name: str | None = None,
    disk_gb: int | None = None,
    allocated_gb: float | None = None,
    accessed: float | None = None,
) -> str:
    """Put a pulled image in the OCI cache (digest dir + tag link); return the digest dir."""
    name = parse(remote_name)
    try:
        image = lookup(name)
    except Exception:
        guessed = os_name or ("darwin" if "macos" in name.namespace else "linux")
        image = Image(
            name, digest_of(name), guessed, disk_gb or (50 if guessed == "darwin" else 20)
        )
    if os_name is not None or disk_gb is not None:
        image = Image(name, image.digest, os_name or image.os, disk_gb or image.disk // GB)
    repository = os.path.join(
        os.fspath(tart_home), "cache", "OCIs", encode_host(name.host), *name.namespace.split("/")
    )
    target = os.path.join(repository, image.digest)
    if not os.path.isdir(target):
        os.makedirs(target)
        stage_image(target, image)
        if allocated_gb is not None:
            write_allocated(target, int(allocated_gb * GB))
        if name.digest is not None:
            open(os.path.join(target, ocistore.EXPLICIT_MARKER), "w").close()
    if name.digest is None:
        link = os.path.join(repository, str(name.tag))
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.abspath(target), link)
    _age(target, accessed)
    return target
