"""The host's DHCP lease file, kept the way macOS's bootpd keeps `/var/db/dhcpd_leases`.

Tart's dhcp resolver reads that file and answers any unexpired lease for the VM's MAC,
whether or not the VM runs (`Sources/tart/MACAddressResolver/Leases.swift:39-52`,
`Commands/IP.swift:62-65`); leases last 86,400 s, so a VM started again within a day gets its
old address before its guest is up. The simulator keeps the same format in its own file
(TART_SIM_DHCPD_LEASES, default `$TART_HOME/.sim-dhcpd_leases`), written by the `tart run`
whose guest "asks for" an address at boot, so a server can be pointed at it. Blocks look like
(the lines inside a block start with a tab):

    {
        name=<guest host name>
        ip_address=192.168.64.3
        hw_address=1,6e:4d:a5:8f:b2:3        (bootpd drops leading zeros of each octet)
        identifier=1,6e:4d:a5:8f:b2:3
        lease=0x6751c2a1                     (expiry, hex seconds since the epoch)
    }
"""

from __future__ import annotations

import fcntl
import os
import time

from . import home, knobs
from .files import read_bytes, write_atomic

DEFAULT_NAME = ".sim-dhcpd_leases"


def path() -> str:
    return knobs.text("TART_SIM_DHCPD_LEASES") or os.path.join(home.tart_home(), DEFAULT_NAME)


def lifetime() -> float:
    return knobs.seconds("TART_SIM_LEASE_SECONDS", 86400.0)


def bootpd_mac(mac: str) -> str:
    """`06:0a:..` -> `6:a:..`, as bootpd writes it."""
    return ":".join(format(int(part, 16), "x") for part in mac.split(":"))


def _normal_mac(text: str) -> str | None:
    try:
        return ":".join(format(int(part, 16), "02x") for part in text.split(":"))
    except ValueError:
        return None


def read_all() -> list[dict[str, str]]:
    """Every lease block of the file (an unreadable or absent file has none)."""
    try:
        text = read_bytes(path()).decode("utf-8", "replace")
    except OSError:
        return []
    blocks: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.split("\n"):
        if line == "{":
            current = {}
        elif line == "}":
            if current is not None:
                blocks.append(current)
            current = None
        elif current is not None:
            key, sep, value = line.lstrip(" \t").partition("=")
            if sep:
                current[key] = value
    return blocks


def _mac_of(block: dict[str, str]) -> str | None:
    _proto, sep, raw = block.get("hw_address", "").partition(",")
    return _normal_mac(raw) if sep else None


def _expiry(block: dict[str, str]) -> float:
    try:
        return float(int(block.get("lease", ""), 16))
    except ValueError:
        return 0.0


def lookup(mac: str, now: float | None = None) -> str | None:
    """The IP of the newest unexpired lease for `mac` (Leases.swift:39-52), or None."""
    now = time.time() if now is None else now
    best: tuple[float, str] | None = None
    for block in read_all():
        expiry = _expiry(block)
        if _mac_of(block) != mac.lower() or expiry <= now or "ip_address" not in block:
            continue
        if best is None or expiry > best[0]:
            best = (expiry, block["ip_address"])
    return best[1] if best is not None else None


def _render(blocks: list[dict[str, str]]) -> bytes:
    lines: list[str] = []
    for block in blocks:
        lines.append("{")
        lines.extend(f"\t{key}={value}" for key, value in block.items())
        lines.append("}")
    return ("\n".join(lines) + "\n").encode() if lines else b""


def grant(mac: str, ip: str, name: str, *, renew: bool = True) -> None:
    """The guest asked for an address: bootpd's one lease per client, (re)started now.

    With `renew` False (a resumed guest, whose network never went down) an unexpired lease
    is kept as it is.
    """
    target = path()
    with open(target + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not renew and lookup(mac) is not None:
            return
        blocks = [block for block in read_all() if _mac_of(block) != mac.lower()]
        client = f"1,{bootpd_mac(mac)}"
        expiry = int(time.time() + lifetime())
        blocks.append(
            {
                "name": name,
                "ip_address": ip,
                "hw_address": client,
                "identifier": client,
                "lease": hex(expiry),
            }
        )
        write_atomic(target, _render(blocks))
