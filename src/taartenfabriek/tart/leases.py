"""macOS's DHCP lease file (`/var/db/dhcpd_leases`), read the way Tart reads it, to tell a
guest that just booted from one that has not yet.

Tart's default `tart ip` resolver answers any unexpired lease for the VM's MAC and never asks
whether this run's guest asked for it (Tart `Sources/tart/Commands/IP.swift:62-65`,
`MACAddressResolver/Leases.swift:39-52`). bootpd keeps a lease for 86,400 s, so a VM started
again within a day "has" its old IP at once, while its guest is still booting. bootpd rewrites
the MAC's lease block with a new expiry whenever the guest asks for an address, so a start
remembers the lease it saw before `tart run` and counts the IP only once that lease changed.

The format (Leases.swift:54-113, after Apple's `PLCache_read`): blocks of `key=value` lines
between a line `{` and a line `}`; `hw_address=1,<mac>` (octets without leading zeros),
`ip_address`, `lease=0x<expiry, seconds since the epoch>`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path("/var/db/dhcpd_leases")
ARPHRD_ETHER = 1


@dataclass(frozen=True)
class Lease:
    mac: str
    """Lower case, two digits per octet."""
    ip: str
    expires: int


def normal_mac(text: str) -> str | None:
    """`6e:4d:a5:8f:b2:3` (bootpd) or `6E:4D:...` (config.json) as `6e:4d:a5:8f:b2:03`."""
    parts = text.strip().split(":")
    if len(parts) != 6:
        return None
    try:
        octets = [int(part, 16) for part in parts]
    except ValueError:
        return None
    if any(not 0 <= octet <= 255 or not part for octet, part in zip(octets, parts, strict=True)):
        return None
    return ":".join(f"{octet:02x}" for octet in octets)


def _lease(raw: dict[str, str]) -> Lease | None:
    """One block as Tart's `Lease(fromRawLease:)` takes it (Lease.swift:10-41), else None."""
    hw_address, ip, expiry = raw.get("hw_address"), raw.get("ip_address"), raw.get("lease")
    if hw_address is None or ip is None or expiry is None:
        return None
    kind, sep, mac_text = hw_address.partition(",")
    if not sep or "," in mac_text:
        return None
    if kind.strip().isdigit() and int(kind) != ARPHRD_ETHER:
        return None
    mac = normal_mac(mac_text)
    try:
        expires = int(expiry.removeprefix("0x"), 16)
    except ValueError:
        return None
    if mac is None or ip.count(".") != 3:
        return None
    return Lease(mac=mac, ip=ip, expires=expires)


def parse(text: str) -> list[Lease]:
    """Every well-formed lease of the file; ValueError where Tart too gives up on the file."""
    leases: list[Lease] = []
    state = "nowhere"
    current: dict[str, str] = {}
    number = 0
    for number, line in enumerate((line for line in text.split("\n") if line), start=1):
        if line == "{":
            if state not in ("nowhere", "end"):
                raise ValueError(f"unexpected lease block start on line {number}")
            state, current = "start", {}
        elif line == "}":
            if state != "body":
                raise ValueError(f"unexpected lease block end on line {number}")
            lease = _lease(current)
            if lease is not None:
                leases.append(lease)
            state = "end"
        else:
            stripped = line.lstrip(" \t")
            if not stripped:
                continue
            key, sep, value = stripped.partition("=")
            if not sep:
                raise ValueError(f"key-value pair with only a key on line {number}")
            current[key] = value
            state = "body"
    if state in ("start", "body"):
        raise ValueError("truncated DHCPD leases file")
    return leases


def read(path: Path) -> list[Lease] | None:
    """The file's leases; None when it cannot be read (no such file: not a Mac, or not yet)."""
    try:
        return parse(path.read_text("utf-8", "replace"))
    except (OSError, ValueError):
        return None


def current(leases: list[Lease], mac: str, now: float | None = None) -> Lease | None:
    """The lease `tart ip` answers for `mac`: unexpired, the latest expiry wins."""
    now = time.time() if now is None else now
    found = [lease for lease in leases if lease.mac == mac and lease.expires > now]
    return max(found, key=lambda lease: lease.expires, default=None)


def vm_mac(tart_home: Path | None, name: str) -> str | None:
    """The MAC in the VM's `config.json` (`tart get` does not show it)."""
    if tart_home is None:
        return None
    try:
        config = json.loads((tart_home / "vms" / name / "config.json").read_text())
    except (OSError, ValueError):
        return None
    mac = config.get("macAddress") if isinstance(config, dict) else None
    return normal_mac(mac) if isinstance(mac, str) else None


class BootWatch:
    """Whether the IP `tart ip` answers during a start comes from this run's guest.

    Made before `tart run` is spawned: it notes each unexpired lease's expiry. Trusts `tart ip`
    (as before) where it cannot judge: no readable lease file (a stand-in for `tart`), no
    readable `config.json`, a VM that resumes (its guest's network never went down, so it
    asks for no new lease), or an IP that does not come from the lease file (`dhcp` False:
    bridged guests, the arp and agent resolvers).
    """

    def __init__(
        self,
        leases_path: Path | None,
        tart_home: Path | None,
        name: str,
        *,
        resuming: bool,
        dhcp: bool = True,
    ) -> None:
        self.leases_path = leases_path
        self.tart_home = tart_home
        self.name = name
        seen = read(leases_path) if leases_path is not None and dhcp else None
        self.active = seen is not None and not resuming and vm_mac(tart_home, name) is not None
        self.before = {(lease.mac, lease.expires) for lease in seen or []}

    def fresh(self, ip: str) -> bool:
        if not self.active or self.leases_path is None:
            return True
        leases = read(self.leases_path)
        mac = vm_mac(self.tart_home, self.name)  # Tart may have given it a new one at start
        if leases is None or mac is None:
            return True
        lease = current(leases, mac)
        return lease is not None and lease.ip == ip and (mac, lease.expires) not in self.before
