"""`Host` names: their syntax, the user's allow-list, and which addresses stay on this machine.

Used by the request guard (security.py), the command line and the settings; imports nothing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

_HOST_RE = re.compile(
    r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)


def split_host(value: str) -> tuple[str, int | None] | None:
    """`Host` syntax -> (lower-case name, port); None when it is not a plain `name[:port]`.

    IPv6 literals keep their brackets (`[::1]`); a bare `::1`, userinfo (`a@b`), a trailing
    dot, a path or an empty port are all refused rather than guessed at.
    """
    match = _HOST_RE.fullmatch(value)
    if match is None:
        return None
    port = int(match["port"]) if match["port"] else None
    if port is not None and port > 65535:
        return None
    return match["name"].lower(), port


def host_name(host_header: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`; `[::1]:8000` -> `[::1]`; malformed -> ``."""
    parsed = split_host(host_header.strip())
    return parsed[0] if parsed else ""


def normalise_host_names(names: Iterable[str]) -> frozenset[str]:
    """Allow-list entries as `Host` names: `myhost`, `myhost:8000` and `::1` all work."""
    out: set[str] = set()
    for raw in names:
        name = raw.strip()
        if ":" in name and not name.startswith("["):
            try:
                ipaddress.IPv6Address(name)
            except ValueError:
                pass
            else:
                name = f"[{name}]"
        parsed = split_host(name)
        if parsed is not None:
            out.add(parsed[0])
    return frozenset(out)


def is_loopback_address(host: str) -> bool:
    """Whether binding to `host` keeps the server on this machine (`127.x`, `::1`, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
