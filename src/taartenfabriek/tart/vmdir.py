"""What a local VM is now, read from `$TART_HOME` without starting `tart` (tart-cli.md §3).

Tart defines a VM's existence and state by files, not by a daemon: a VM exists when
`vms/<name>/` holds `config.json`, `disk.img` and `nvram.bin`; it is running while some
process holds a POSIX `fcntl` lock on that `config.json` (`tart run`, `tart push`), else
suspended when `state.vzvmsave` is there, else stopped. `tart get` answers exactly that,
but it is a process: tens of milliseconds between a click on Start and `tart run`, and a
`tart` call that a read (`GET /actions`, the console's state) must not make.

This module only reads: it asks F_GETLK who holds the lock, which takes no lock of its own
(taking one, even for an instant, could make a concurrent `tart run` fail as "already
running"). Whether its answers may be trusted on this machine is the backend's call
(`LocalBackend.peek`): a stand-in that marks running VMs another way shows no lock holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .leases import vm_mac

State = Literal["running", "suspended", "stopped"]

# struct flock differs by platform; Tart runs on macOS, tart-sim and the tests on Linux.
if sys.platform == "darwin":  # off_t l_start, l_len; pid_t l_pid; short l_type, l_whence
    _FLOCK = struct.Struct("qqihh")

    def _query() -> bytes:
        return _FLOCK.pack(0, 0, 0, fcntl.F_WRLCK, os.SEEK_SET)

    def _holder(answer: bytes) -> int:
        _start, _length, pid, lock_type, _whence = _FLOCK.unpack(answer)
        return 0 if lock_type == fcntl.F_UNLCK else int(pid) or -1

else:  # Linux: short l_type, l_whence; off_t l_start, l_len; pid_t l_pid (+ padding)
    _FLOCK = struct.Struct("hhqqi4x")

    def _query() -> bytes:
        return _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)

    def _holder(answer: bytes) -> int:
        lock_type, _whence, _start, _length, pid = _FLOCK.unpack(answer)
        return 0 if lock_type == fcntl.F_UNLCK else int(pid) or -1


FILES = ("config.json", "disk.img", "nvram.bin")


@dataclass(frozen=True)
class OnDisk:
    state: State
    os: str
    """`darwin` or `linux` (config.json's `os`, darwin when absent, as Tart reads it)."""


def vm_path(tart_home: Path, name: str) -> Path | None:
    """`$TART_HOME/vms/<name>` for a plain local VM name; None for anything else."""
    if not name or "/" in name or name in (".", "..") or "\0" in name:
        return None
    return tart_home / "vms" / name


def lock_holder(config: Path) -> int:
    """PID holding a lock on `config` (-1 when the platform does not say), 0 for none or
    when the file cannot be opened (Tart: the VM then counts as not running)."""
    try:
        fd = os.open(config, os.O_RDONLY)
    except OSError:
        return 0
    try:
        return _holder(fcntl.fcntl(fd, fcntl.F_GETLK, _query()))
    except OSError:
        return 0
    finally:
        os.close(fd)  # we hold no lock on it, so closing drops nothing


def glance(path: str, before: State | None = None) -> State | None:
    """The state of the VM folder at `path` as cheaply as it can be read (Tart's
    VMDirectory.swift:49-70: running while the config.json lock has a holder, else suspended
    while state.vzvmsave exists): the watcher reads every VM this way about once a second.
    None while its `config.json` cannot be opened (a half-made or half-removed VM). `before`,
    the state read last time: a VM whose lock is still not held kept its suspended or stopped
    state (only a run, which holds the lock, makes or consumes `state.vzvmsave`), so the stat
    of that file is skipped."""
    try:
        fd = os.open(os.path.join(path, "config.json"), os.O_RDONLY)
    except OSError:
        return None
    try:
        held = _holder(fcntl.fcntl(fd, fcntl.F_GETLK, _query())) != 0
    except OSError:
        held = False
    finally:
        os.close(fd)
    if held:
        return "running"
    if before == "stopped" or before == "suspended":
        return before
    return "suspended" if os.path.exists(os.path.join(path, "state.vzvmsave")) else "stopped"


def glance_all(tart_home: Path, before: dict[str, State | None]) -> dict[str, State | None]:
    """`glance` of every folder in `$TART_HOME/vms` (`before`: the last answer); empty when
    there is no such folder."""
    seen: dict[str, State | None] = {}
    try:
        entries = os.scandir(tart_home / "vms")
    except OSError:
        return seen
    with entries:
        for entry in entries:
            if entry.is_dir():
                seen[entry.name] = glance(entry.path, before.get(entry.name))
    return seen


def read(tart_home: Path, name: str) -> OnDisk | None:
    """The VM as Tart defines it from its files; None when it is not an initialised local VM
    here (then only `tart` can say whether it exists elsewhere, e.g. another TART_HOME)."""
    path = vm_path(tart_home, name)
    if path is None or not all((path / file).is_file() for file in FILES):
        return None
    try:
        config = json.loads((path / "config.json").read_bytes())
    except (OSError, ValueError):
        return None
    os_name = config.get("os", "darwin") if isinstance(config, dict) else None
    if os_name not in ("darwin", "linux"):
        return None
    if lock_holder(path / "config.json"):
        state: State = "running"
    elif (path / "state.vzvmsave").exists():
        state = "suspended"
    else:
        state = "stopped"
    return OnDisk(state=state, os=os_name)


def running_twins(tart_home: Path, name: str) -> list[str]:
    """Other local VMs running with `name`'s MAC address (sorted).

    A clone of a suspended VM keeps its MAC (Tart `Sources/tart/Commands/Clone.swift:69-71`),
    and a `tart run` that finds another running VM with its MAC gives it a new one and deletes
    its saved state (`Commands/Run.swift:375-384`, `VMDirectory.swift:135-143`): a resume then
    boots fresh.
    """
    mac = vm_mac(tart_home, name)
    folder = tart_home / "vms"
    if mac is None or not folder.is_dir():
        return []
    twins = []
    for path in folder.iterdir():
        if path.name == name or vm_mac(tart_home, path.name) != mac:
            continue
        if lock_holder(path / "config.json"):
            twins.append(path.name)
    return sorted(twins)


def display_refit(tart_home: Path | None, name: str) -> bool | None:
    """The VM's `displayRefit` (config.json; `tart get` does not show it): None when unset or
    unreadable, so a `tart set` passes no flag and leaves it as it is."""
    path = vm_path(tart_home, name) if tart_home is not None else None
    if path is None:
        return None
    try:
        config = json.loads((path / "config.json").read_bytes())
    except (OSError, ValueError):
        return None
    value = config.get("displayRefit") if isinstance(config, dict) else None
    return value if isinstance(value, bool) else None
