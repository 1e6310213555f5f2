"""`tart delete <name>...`: local VMs and OCI cache entries, in order, stopping at the first
failure (§5 delete)."""

from __future__ import annotations

import os

from .. import localstore, ocistore
from ..argspec import Namespace, Spec, arg
from ..errors import does_not_exist, is_running
from ..files import remove
from ..locks import try_write_lock
from ..names import try_parse

SPEC = Spec("delete", "Delete a VM", [arg("name", "VM name", repeating=True)])


def delete_local(name: str) -> None:
    vm = localstore.resolve(name)
    if not os.path.isfile(vm.config_path):
        raise does_not_exist(name)
    fd = os.open(vm.config_path, os.O_RDWR)
    try:
        if not try_write_lock(fd):
            raise is_running(name)
        remove(vm.path)
    finally:
        os.close(fd)


def run(ns: Namespace) -> int:
    names = ns.name
    assert isinstance(names, list)
    for name in names:
        remote = try_parse(name)
        if remote is not None:
            ocistore.delete(remote)
        else:
            delete_local(name)
    return 0
