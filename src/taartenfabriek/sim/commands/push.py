"""`tart push <source> <remote-name>...` (§5 push): holds the VM lock while uploading.

Pushed names are recorded in `$TART_HOME/.sim-registry` so that later pulls find them.
"""

from __future__ import annotations

import os

from .. import knobs, localstore, ocistore, registry, vmconfig
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import TartError, ValidationError, is_running
from ..locks import try_write_lock
from ..names import RemoteName, RemoteNameError, parse, try_parse
from ..output import out
from ..progress import Progress
from ..vmdir import VMDir

SPEC = Spec(
    "push",
    "Push a VM to a registry",
    [
        arg("local_name", "local or remote VM name"),
        arg("remote_names", "remote VM name(s)", repeating=True),
        flag("--insecure", "connect to the OCI registry via insecure HTTP protocol"),
        opt(
            "--concurrency",
            "network concurrency to use when pushing a local VM to the OCI-compatible registry",
            type="uint",
            default=4,
        ),
        opt(
            "--chunk-size",
            "chunk size in MB if registry supports chunked uploads",
            type="uint",
            default=0,
        ),
        opt(
            "--label",
            "additional metadata to attach to the OCI image configuration in key=value format",
            repeating=True,
        ),
        flag("--populate-cache", "cache pushed images locally"),
    ],
)


def validate(ns: Namespace) -> None:
    if ns.concurrency == 0:
        raise ValidationError("network concurrency cannot be less than 1")


def _targets(names: list[str]) -> dict[str, list[RemoteName]]:
    groups: dict[str, list[RemoteName]] = {}
    for name in names:
        try:
            remote = parse(name)
        except RemoteNameError as error:
            raise TartError(f"failed to parse remote name: {error}") from None
        groups.setdefault(remote.repository, []).append(remote)
    return groups


def _describe(repository: str, remotes: list[RemoteName]) -> str:
    references = [(":" if r.digest is None else "@") + r.reference for r in remotes]
    if len(references) == 1:
        return repository + references[0]
    return repository + "{" + ",".join(references) + "}"


def _record(vm: VMDir, remotes: list[RemoteName], populate: bool) -> None:
    """Publish to the simulated registry (and the local cache with --populate-cache).

    Reads VM files, so call it only after releasing the VM lock: closing any descriptor of a
    locked config.json would drop the lock.
    """
    os_name, disk_gb = vmconfig.os_of(vm.config()), max(vm.disk_gb(), 1)
    for remote in remotes:
        registry.record_push(remote, os_name, disk_gb)
        if populate and remote.digest is None:
            from .clone import clone_into

            target = ocistore.digest_path(remote, registry.digest_of(remote))
            if not VMDir(target).initialized():
                os.makedirs(target, exist_ok=True)
                clone_into(vm, target, generate_mac=False)
            ocistore.link(remote, target)


def run(ns: Namespace) -> int:
    source_name = str(ns.local_name)
    names = ns.remote_names
    assert isinstance(names, list)
    groups = _targets([str(name) for name in names])
    source_remote = try_parse(source_name)
    if source_remote is not None:
        # "Lightweight" push of a cached image: only the manifests travel.
        source = ocistore.open_image(source_remote)
        for remotes in groups.values():
            for remote in remotes:
                out(f"pushing manifest for {remote.reference}...")
            _record(source, remotes, False)
        return 0
    vm = localstore.open_vm(source_name)
    fd = os.open(vm.config_path, os.O_RDWR)
    try:
        if not try_write_lock(fd):
            raise is_running(source_name)
        for repository, remotes in groups.items():
            out(f"pushing {source_name} to {_describe(repository, remotes)}...")
            out("pushing config...")
            out("pushing disk... this will take a while...")
            pull_seconds = knobs.seconds("TART_SIM_PULL_SECONDS", 8.0)
            Progress().run(knobs.seconds("TART_SIM_PUSH_SECONDS", pull_seconds))
            out("pushing NVRAM...")
            for remote in remotes:
                out(f"pushing manifest for {remote.reference}...")
    finally:
        os.close(fd)
    for remotes in groups.values():
        _record(vm, remotes, bool(ns.populate_cache))
    return 0
