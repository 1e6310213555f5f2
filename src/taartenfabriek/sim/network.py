"""Simulated guest networking: a stable IP per MAC and when the guest has one.

Each VM's IP is `192.168.64.<2..254>` derived from its MAC. The live `tart run` writes
`vms/<name>/.sim-run.json` (pid, argv, started_at, ip_at, mac); the IP exists once the lock
holder is that run and `ip_at` has passed, and only for the MAC the guest booted with. The
dhcp resolver reads the lease file (`leases`) like Tart, so it also answers the stale lease
of a VM that ran within a day (TART_SIM_STALE_LEASE=0 asks for the live run as well).
Imports `knobs`, `leases`, `vmconfig`, `vmdir`, `files`, `jsonread`, `output`.
"""

from __future__ import annotations

import os
import time

from . import knobs, leases
from .files import discard, read_bytes, write_atomic
from .jsonread import loads
from .output import json_pretty
from .vmconfig import mac_of
from .vmdir import VMDir

RUN_INFO = ".sim-run.json"
NO_IP_MARKER = ".sim-no-ip"


def ip_for_mac(mac: str) -> str:
    digits = mac.replace(":", "").replace("-", "")
    try:
        value = int(digits, 16)
    except ValueError:
        value = sum(digits.encode())
    return f"192.168.64.{2 + value % 253}"


def never_gets_ip(vm: VMDir) -> bool:
    return knobs.in_list("TART_SIM_NO_IP", vm.name) or os.path.exists(vm.file(NO_IP_MARKER))


def _read(path: str) -> dict[str, object] | None:
    try:
        data = loads(read_bytes(path))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_run_info(vm: VMDir) -> dict[str, object] | None:
    return _read(vm.file(RUN_INFO))


def write_run_info(vm: VMDir, info: dict[str, object]) -> None:
    write_atomic(vm.file(RUN_INFO), (json_pretty(info) + "\n").encode())


def retire_run_info(vm: VMDir, info: dict[str, object]) -> None:
    """The run ended: drop `.sim-run.json` (its lease, if any, stays in the lease file)."""
    discard(vm.file(RUN_INFO))


def discard_run_info(vm: VMDir, info: dict[str, object]) -> None:
    """Take back an announced run that never got the lock (only if it is still ours)."""
    current = read_run_info(vm)
    if current is not None and current.get("pid") == info.get("pid"):
        discard(vm.file(RUN_INFO))


def booted_run(vm: VMDir) -> dict[str, object] | None:
    """The live run's info when the lock holder is a simulated `tart run`."""
    pid = vm.pid()
    if not pid:
        return None
    info = read_run_info(vm)
    if info is not None and info.get("pid") == pid:
        return info
    return {"pid": pid, "ip_at": time.time(), "mac": None, "foreign": True}


def current_ip(vm: VMDir, config: dict[str, object], resolver: str = "dhcp") -> str | None:
    """What `resolver` would answer for this VM right now (None: nothing found).

    Like Tart's: the DHCP lease file knows nothing of bridged guests and ARP nothing of
    Softnet ones; only the guest agent needs no network at all.
    """
    mac = mac_of(config)
    info = booted_run(vm)
    if resolver == "dhcp" and stale_leases():
        found = leases.lookup(mac)
        if found is not None or info is None or not info.get("foreign"):
            return found
        # a lock holder that is no simulated `tart run` (a test's stand-in): booted, as before
        return None if never_gets_ip(vm) else ip_for_mac(mac)
    if info is not None:
        ip_at = info.get("ip_at")
        if never_gets_ip(vm) or not isinstance(ip_at, int | float) or time.time() < ip_at:
            return None
        mode = info.get("network")
        if (resolver, mode) in (("dhcp", "bridged"), ("arp", "softnet")):
            return None
        booted_mac = info.get("mac")
        if isinstance(booted_mac, str) and booted_mac.lower() != mac:
            return None  # `set --random-mac` on a running VM: the lease has the old MAC
        return ip_for_mac(mac)
    return None


def stale_leases() -> bool:
    """Whether dhcp answers from the lease file alone, as macOS does (the default)."""
    return os.environ.get("TART_SIM_STALE_LEASE", "1") not in ("0", "false", "no")
