"""Pulling an image into the OCI cache, with Tart's exact stdout sequence (§5 pull).

Shared by `pull` and `clone` (which omits the first `pulling <name>...` line). Imports
`registry`, `ocistore`, `progress`, `home`, `locks`, `vmconfig`, `files`, `output`.
"""

from __future__ import annotations

import os

from . import home, knobs, ocistore, registry, vmconfig
from .errors import PlainError
from .files import create_sparse, remove
from .locks import FileLock
from .names import RemoteName
from .output import byte_count, json_pretty, out
from .progress import Progress, ProgressFailed
from .vmdir import VMDir, write_allocated

NVRAM_SIZE = 131072
NETWORK_LOST = "The network connection was lost."


def _announce_layer_reuse(name: RemoteName, image: registry.Image) -> None:
    """Tart reuses layers of a cached image of the same repository (>= 1 GB in common)."""
    repository = os.path.dirname(ocistore.digest_path(name, image.digest))
    try:
        entries = sorted(os.listdir(repository))
    except OSError:
        return
    for entry in entries:
        path = os.path.join(repository, entry)
        if entry.startswith("sha256:") and entry != image.digest and VMDir(path).initialized():
            reusable = int(image.compressed * 0.6)
            if reusable >= 1_000_000_000:
                out(
                    f"found an image {name.repository}@{entry} that will allow us to avoid "
                    f"fetching {byte_count(reusable)}, will try use it..."
                )
            return


def stage_image(directory: str, image: registry.Image) -> None:
    seed = bytes.fromhex(image.digest[7:19].ljust(12, "0"))
    if image.os == "darwin":
        config = vmconfig.new_config(
            "darwin", cpu=4, memory=8 * vmconfig.GIB, mac=vmconfig.mac_from_seed(seed)
        )
    else:
        config = vmconfig.new_config(
            "linux", cpu=4, memory=4 * vmconfig.GIB, mac=vmconfig.mac_from_seed(seed)
        )
    vmconfig.save(os.path.join(directory, "config.json"), config)
    create_sparse(os.path.join(directory, "disk.img"), image.disk)
    create_sparse(os.path.join(directory, "nvram.bin"), NVRAM_SIZE)
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as handle:
        handle.write(json_pretty(image.manifest()) + "\n")
    write_allocated(directory, image.allocated)


def _download(name: RemoteName, image: registry.Image, target: str) -> None:
    import hashlib

    staging, lock = home.staging(hashlib.md5(str(name).encode()).hexdigest())
    try:
        _announce_layer_reuse(name, image)
        out(f"pulling disk ({image.compressed / 1e9:.1f} GB compressed)...")
        failing = knobs.text("TART_SIM_PULL_FAIL")
        fail_at = 0.5 if failing and failing in str(name) else None
        flaky = knobs.text("TART_SIM_PULL_FLAKY")
        hiccup_at = 0.3 if flaky and flaky in str(name) else None
        try:
            Progress().run(
                knobs.seconds("TART_SIM_PULL_SECONDS", 8.0),
                fail_at=fail_at,
                hiccup_at=hiccup_at,
                hiccup=f'Error pulling disk layer 7: "{NETWORK_LOST}", attempting to re-try...',
            )
        except ProgressFailed:
            # Simulated network failure after Tart's retries gave up.
            raise PlainError(NETWORK_LOST) from None
        out("pulling NVRAM...")
        stage_image(staging, image)
        if name.digest is not None:
            open(os.path.join(staging, ocistore.EXPLICIT_MARKER), "w").close()
        os.makedirs(os.path.dirname(target), exist_ok=True)
        remove(target)
        os.rename(staging, target)
    finally:
        remove(staging)
        lock.unlock()


def pull(name: RemoteName, *, announce: bool = True) -> VMDir:
    """Pull `name` into the cache (printing Tart's lines) and return its digest directory."""
    if announce:
        out(f"pulling {name}...")
    out("pulling manifest...")
    image = registry.lookup(name)
    target = ocistore.digest_path(name, image.digest)
    digest_name = name.with_digest(image.digest)
    if ocistore.linked_digest(name) == image.digest:
        out(f"{digest_name} image is already cached and linked!")
        return VMDir(target, str(digest_name))

    host_path = ocistore.host_dir(name)
    os.makedirs(host_path, exist_ok=True)
    host_lock = FileLock(host_path)
    if not host_lock.try_lock():
        out("waiting for lock...")
        host_lock.lock()
    try:
        if VMDir(target).initialized():
            out(f"{digest_name} image is already cached! creating a symlink...")
            if name.digest is not None:
                open(os.path.join(target, ocistore.EXPLICIT_MARKER), "w").close()
        else:
            _download(name, image, target)
        if name.digest is None:
            ocistore.link(name, target)
        ocistore.gc()
    finally:
        host_lock.unlock()
    return VMDir(target, str(digest_name))
