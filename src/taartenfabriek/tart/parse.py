"""Pure parsers of tart output; lenient, because keys come and go across Tart versions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_PERCENT_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*\Z")
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}\Z")
_VNC_RE = re.compile(r"vnc://\S+")
_HEX_COLON = frozenset("0123456789abcdefABCDEF:.")


@dataclass(frozen=True)
class ListEntry:
    """One row of `tart list --format json`."""

    name: str
    source: str
    state: str
    disk: int | None
    size: int | None
    accessed: str | None


def clean_line(raw: str) -> str:
    """Strip ANSI escapes and keep what a terminal would show after carriage returns."""
    text = _ANSI_RE.sub("", raw).rstrip("\n")
    if "\r" in text:
        parts = [part for part in text.split("\r") if part.strip()]
        text = parts[-1] if parts else ""
    return text.rstrip()


def progress(line: str) -> float | None:
    """`42%` -> 42.0; anything else -> None."""
    match = _PERCENT_RE.match(line)
    if match is None:
        return None
    value = float(match[1])
    return value if 0 <= value <= 100 else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _key(obj: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in obj:
            return obj[name]
    lowered = {key.lower(): value for key, value in obj.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _state(obj: dict[str, Any]) -> str:
    state = _key(obj, "State")
    if isinstance(state, str) and state.lower() in {"running", "stopped", "suspended"}:
        return state.lower()
    running = _key(obj, "Running")
    if isinstance(running, bool):
        return "running" if running else "stopped"
    return "unknown"


def list_entries(stdout: str) -> list[ListEntry]:
    """Parse `tart list --format json`; rows without a name are dropped."""
    data = json.loads(stdout) if stdout.strip() else []
    if not isinstance(data, list):
        raise ValueError("tart list did not print a JSON array")
    entries: list[ListEntry] = []
    for obj in data:
        if not isinstance(obj, dict):
            continue
        name = _key(obj, "Name")
        if not isinstance(name, str) or not name:
            continue
        source = _key(obj, "Source")
        if not isinstance(source, str) or not source:
            # a local VM is a directory under vms/, so only OCI cache names hold a `/`
            source = "OCI" if "/" in name else "local"
        entries.append(
            ListEntry(
                name=name,
                source=source,
                state=_state(obj),
                disk=_int(_key(obj, "Disk")),
                size=_int(_key(obj, "Size", "SizeOnDisk")),
                accessed=_key(obj, "Accessed") if isinstance(_key(obj, "Accessed"), str) else None,
            )
        )
    return entries


def get_object(stdout: str) -> dict[str, Any]:
    data = json.loads(stdout)
    if not isinstance(data, dict):
        raise ValueError("tart get did not print a JSON object")
    return data


def gigabytes(value: Any) -> str | None:
    """`50` (GB) -> `"50G"`."""
    number = _int(value)
    return None if number is None else f"{number}G"


def memory_from_mib(value: Any) -> str | None:
    """`8192` (MiB, as tart get prints it) -> `"8G"`; a non-whole number of GiB -> `"1536M"`."""
    mib = _int(value)
    if mib is None:
        return None
    return f"{mib // 1024}G" if mib % 1024 == 0 else f"{mib}M"


def config_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The normalised fields that `tart get` contributes to a VM or VMConfig."""
    os_name = _key(raw, "OS")
    display = _key(raw, "Display")
    return {
        "os": os_name if isinstance(os_name, str) else None,
        "cpu": _int(_key(raw, "CPU")),
        "memory": memory_from_mib(_key(raw, "Memory")),
        "disk_size": gigabytes(_key(raw, "Disk")),
        "display": display if isinstance(display, str) else None,
        "state": _state(raw),
    }


def ip_address(stdout: str) -> str | None:
    for line in stdout.splitlines():
        line = line.strip()
        if _IPV4_RE.match(line) or (
            ":" in line and all(c in "0123456789abcdefABCDEF:." for c in line)
        ):
            return line
    return None


def vnc_url(line: str) -> str | None:
    """The URL in `VNC server is running at vnc://...` or `Opening vnc://...`."""
    match = _VNC_RE.search(line)
    if match is None:
        return None
    return match[0].rstrip(".")


# --- Apple's VM limit, as `tart run` reports it (tart-cli.md §0.16) ------------------------

LIMIT_MESSAGE = "The number of VMs exceeds the system limit"
_OTHERS_RE = re.compile(r"\(other running VMs: ([^)]*)\)")


def explain_limit(reason: str) -> str | None:
    """A plain-words error for Tart's VM-limit failure; None for any other failure."""
    if LIMIT_MESSAGE.lower() not in reason.lower():
        return None
    match = _OTHERS_RE.search(reason)
    others = [name.strip() for name in match[1].split(",") if name.strip()] if match else []
    if others:
        held = f"{_in_words(others)} {'is' if len(others) == 1 else 'are'} running"
        return (
            "macOS refused to start another VM: Apple's Virtualization framework runs at most "
            f"two macOS VMs at once, and {held}. Stop one of them and start this VM again. "
            f"(Tart said: {reason})"
        )
    return (
        "macOS refused to start another VM: Apple's Virtualization framework runs at most two "
        "macOS VMs at once, and it counts one more than are running. macOS sometimes keeps a "
        "slot after earlier runs ended; only a restart of the Mac frees it "
        f"(cirruslabs/tart#445). (Tart said: {reason})"
    )


def _in_words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
