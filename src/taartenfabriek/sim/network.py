"""Simulated guest networking: a stable IP per MAC and when the guest has one.

Each VM's IP is `192.168.64.<2..254>` derived from its MAC. The live `tart run` writes
`vms/<name>/.sim-run.json` (pid, argv, started_at, ip_at, mac); the IP exists once the lock
holder is that run and `ip_at` has passed, and only for the MAC the guest booted with.
Imports `knobs`, `vmconfig`, `vmdir`, `files`, `jsonread`, `output`.
"""

from __future__ import annotations

import os
import time

from . import knobs
from .files import discard, read_bytes, suppress_os_errors, write_atomic
from .jsonread import loads
from .output import json_pretty
from .vmconfig import mac_of
from .vmdir import VMDir

RUN_INFO = ".sim-run.json"
LEASE = ".sim-lease.json"
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
    """The run ended: drop `.sim-run.json`; keep a lease if the guest ever had an IP."""
    now = time.time()
    ip_at = info.get("ip_at")
    if isinstance(ip_at, int | float) and ip_at <= now:
        lease = dict(info, stopped_at=now)
        with suppress_os_errors():
            write_atomic(vm.file(LEASE), (json_pretty(lease) + "\n").encode())
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
    return {"pid": pid, "ip_at": time.time(), "mac": None}


def current_ip(vm: VMDir, config: dict[str, object], resolver: str = "dhcp") -> str | None:
    """What `resolver` would answer for this VM right now (None: nothing found).

    Like Tart's: the DHCP lease file knows nothing of bridged guests and ARP nothing of
    Softnet ones; only the guest agent needs no network at all.
    """
    mac = mac_of(config)
    info = booted_run(vm)
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
    if resolver == "dhcp" and knobs.flag("TART_SIM_STALE_LEASE"):
        lease = _read(vm.file(LEASE))
        lifetime = knobs.seconds("TART_SIM_LEASE_SECONDS", 86400.0)
        if lease is not None and str(lease.get("mac", "")).lower() == mac:
            stopped_at = lease.get("stopped_at")
            if isinstance(stopped_at, int | float) and time.time() - stopped_at < lifetime:
                return ip_for_mac(mac)
    return None
