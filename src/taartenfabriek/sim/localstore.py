"""Local VMs under `$TART_HOME/vms/` (Tart's VMStorageLocal).

Names are looked up case-insensitively, like on macOS's default APFS, but listed with the
directory's own spelling. Imports `home`, `vmdir`, `errors`, `files`.
"""

from __future__ import annotations

import os

from . import home
from .errors import does_not_exist, missing_files
from .files import replace_dir
from .vmdir import VMDir


def _entries() -> list[str]:
    try:
        return os.listdir(home.vms_dir())
    except OSError:
        return []


def resolve(name: str) -> VMDir:
    """The directory for `name`: exact spelling, else a case-insensitive match, else new."""
    root = home.vms_dir()
    exact = os.path.join(root, name)
    if os.path.lexists(exact) or "/" in name:
        return VMDir(exact, name)
    folded = name.casefold()
    for entry in _entries():
        if entry.casefold() == folded:
            return VMDir(os.path.join(root, entry), entry)
    return VMDir(exact, name)


def exists(name: str) -> bool:
    return resolve(name).initialized()


def open_vm(name: str) -> VMDir:
    """An initialized VM or Tart's errors: does-not-exist (2) / missing files (1)."""
    vm = resolve(name)
    if not vm.exists():
        raise does_not_exist(name)
    if not vm.initialized():
        raise missing_files()
    return vm


def list_vms() -> list[VMDir]:
    """Initialized VMs sorted by name in code-point order (uninitialized ones are skipped)."""
    root = home.vms_dir()
    vms = [VMDir(os.path.join(root, entry), entry) for entry in sorted(_entries())]
    return [vm for vm in vms if vm.initialized()]


def install(staging: str, name: str) -> VMDir:
    """Move a staged VM to `vms/<name>`, silently replacing an existing one."""
    target = resolve(name)
    replace_dir(staging, target.path, home.tmp_dir())
    return VMDir(target.path, target.name)


def has_mac(mac: str, *, exclude: str | None = None) -> bool:
    """Whether some local VM (other than `exclude`) has this MAC address."""
    from .errors import SimError
    from .vmconfig import mac_of

    for vm in list_vms():
        if vm.name == exclude:
            continue
        try:
            if mac_of(vm.config()) == mac.lower():
                return True
        except SimError:
            continue
    return False
