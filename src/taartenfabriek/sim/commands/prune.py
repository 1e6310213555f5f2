"""`tart prune [--entries caches|vms] [--older-than N] [--space-budget N]` (§5 prune).

caches = OCI digest directories (not tag links) and cached IPSWs; vms = local VMs that are
not running. Silent on success.
"""

from __future__ import annotations

import os
import time

from .. import home, localstore, ocistore
from ..argspec import Namespace, Spec, flag, opt
from ..errors import ValidationError
from ..files import remove
from ..output import err
from ..vmdir import VMDir

SPEC = Spec(
    "prune",
    "Prune OCI and IPSW caches or local VMs",
    [
        opt(
            "--entries",
            'Entries to remove: "caches" targets OCI and IPSW caches and "vms" targets local VMs.',
            default="caches",
        ),
        opt(
            "--older-than",
            "Remove entries that were last accessed more than n days ago",
            type="uint",
            value_name="n",
        ),
        opt("--cache-budget", "", type="uint", hidden=True),
        opt(
            "--space-budget",
            "Remove the least recently used entries that do not fit the "
            "specified space size budget n, expressed in gigabytes",
            type="uint",
            value_name="n",
        ),
        flag("--gc", "", hidden=True),
    ],
)
DEPRECATED = "--cache-budget is deprecated, please use --space-budget"


class Prunable:
    """Something prune may delete: an OCI digest dir, an IPSW file or a local VM."""

    def __init__(self, path: str, accessed: float, size: int, *, oci: bool = False) -> None:
        self.path = path
        self.accessed = accessed
        self.size = size
        self.oci = oci

    def delete(self) -> None:
        remove(self.path)


def validate(ns: Namespace) -> None:
    if ns.cache_budget is not None:
        err(DEPRECATED)
        if ns.space_budget is not None:
            raise ValidationError(DEPRECATED)
        ns.space_budget = ns.cache_budget
    if ns.older_than is None and ns.space_budget is None and not ns.gc:
        raise ValidationError("at least one pruning criteria must be specified")


def _caches() -> list[Prunable]:
    found = [
        Prunable(vm.path, vm.access_time(), vm.allocated_bytes(), oci=True)
        for vm in ocistore.digest_dirs()
        if VMDir(vm.path).initialized()
    ]
    directory = home.ipsw_dir()
    names = os.listdir(directory) if os.path.isdir(directory) else []
    for name in names:
        if name.endswith(".ipsw"):
            stat = os.stat(os.path.join(directory, name))
            found.append(
                Prunable(os.path.join(directory, name), stat.st_atime, stat.st_blocks * 512)
            )
    return found


def _vms() -> list[Prunable]:
    return [
        Prunable(vm.path, vm.access_time(), vm.allocated_bytes())
        for vm in localstore.list_vms()
        if not vm.running()
    ]


def run(ns: Namespace) -> int:
    if ns.gc:
        ocistore.gc()
    if ns.entries == "caches":
        prunables = _caches()
    elif ns.entries == "vms":
        prunables = _vms()
    else:
        raise ValidationError(
            'unsupported --entries value, please specify either "caches" or "vms"', root=True
        )
    doomed: list[Prunable] = []
    if isinstance(ns.older_than, int):
        cutoff = time.time() - ns.older_than * 86400
        doomed += [p for p in prunables if p.accessed <= cutoff]
    if isinstance(ns.space_budget, int):
        budget = ns.space_budget * 1024 * 1024 * 1024
        survivors = [p for p in prunables if p not in doomed]
        for prunable in sorted(survivors, key=lambda p: p.accessed, reverse=True):
            if prunable.size <= budget:
                budget -= prunable.size
            else:
                doomed.append(prunable)
    for prunable in doomed:
        prunable.delete()
    if any(p.oci for p in doomed):
        ocistore.gc()
    return 0
