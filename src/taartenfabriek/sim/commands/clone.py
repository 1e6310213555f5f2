"""`tart clone <source> <new-name>` (§5 clone): auto-pulls uncached remote sources, silently
replaces an existing target, new MAC when the source's MAC is already in use locally."""

from __future__ import annotations

import os

from .. import home, localstore, ocipull, ocistore, vmconfig
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import ValidationError
from ..files import new_uuid, remove, sparse_copy
from ..locks import FileLock
from ..names import try_parse
from ..vmdir import ALLOCATED_SIDECAR, VMDir

SPEC = Spec(
    "clone",
    "Clone a VM",
    [
        arg("source_name", "source VM name"),
        arg("new_name", "new VM name"),
        flag("--insecure", "connect to the OCI registry via insecure HTTP protocol"),
        opt(
            "--concurrency",
            "network concurrency to use when pulling a remote VM from the OCI-compatible registry",
            type="uint",
            default=4,
        ),
        flag("--deduplicate", "", hidden=True),
        opt(
            "--prune-limit",
            "limit automatic pruning to n gigabytes",
            type="uint",
            default=100,
            value_name="n",
        ),
    ],
)
COPIED = ("config.json", "disk.img", "nvram.bin", "state.vzvmsave", ALLOCATED_SIDECAR)


def validate(ns: Namespace) -> None:
    if "/" in str(ns.new_name):
        raise ValidationError("<new-name> should be a local name")
    if ns.concurrency == 0:
        raise ValidationError("network concurrency cannot be less than 1")


def clone_into(source: VMDir, staging: str, *, generate_mac: bool) -> None:
    for name in COPIED:
        path = source.file(name)
        if os.path.isfile(path):
            sparse_copy(path, os.path.join(staging, name))
    if generate_mac:
        config_path = os.path.join(staging, "config.json")
        config = vmconfig.load(config_path)
        config["macAddress"] = vmconfig.random_mac()
        vmconfig.save(config_path, config)


def run(ns: Namespace) -> int:
    source_name, new_name = str(ns.source_name), str(ns.new_name)
    remote = try_parse(source_name)
    if remote is not None:
        if not ocistore.exists(remote):
            ocipull.pull(remote, announce=False)
        source = ocistore.open_image(remote)
    else:
        source = localstore.open_vm(source_name)
    staging, staging_lock = home.staging(new_uuid())
    try:
        with FileLock(home.tart_home()):
            mac = vmconfig.mac_of(source.config())
            generate = localstore.has_mac(mac) and not source.suspended_snapshot()
            clone_into(source, staging, generate_mac=generate)
            localstore.install(staging, new_name).touch()
        source.touch()
    finally:
        remove(staging)
        staging_lock.unlock()
    return 0
