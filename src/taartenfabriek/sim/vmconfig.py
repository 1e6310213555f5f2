"""`config.json` of a VM (§3.1): reading leniently, writing Tart's keys, MACs and displays.

Memory is in bytes. Imports `errors`, `output`, `files`, `jsonread` (not `json`: startup cost).
"""

from __future__ import annotations

import os

from .errors import PlainError
from .files import read_bytes, write_in_place
from .output import json_pretty

GIB = 1024 * 1024 * 1024
DEFAULT_DISPLAY = {"width": 1024, "height": 768}

# A VZMacHardwareModel data representation (binary plist) as stored by real Tart configs.
HARDWARE_MODEL = (
    "YnBsaXN0MDDTAQIDBAUGXxAZRGF0YVJlcHJlc2VudGF0aW9uVmVyc2lvbl8QD1BsYXRmb3JtVmVyc2lvbl8QEk1p"
    "bmltdW1TdXBwb3J0ZWRPUxQAAAAAAAAAAAAAAAAAAAABEAKjBwgJEA0QAAAIDyszR1VaXF5gAAAAAAAAAQEAAAAA"
    "AAAACgAAAAAAAAAAAAAAAAAAAGI="
)


def random_mac() -> str:
    """A random locally administered unicast MAC, like VZMACAddress.randomLocallyAdministered."""
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] & 0xFE) | 0x02
    return ":".join(f"{byte:02x}" for byte in raw)


def mac_from_seed(seed: bytes) -> str:
    raw = bytearray(seed[:6].ljust(6, b"\0"))
    raw[0] = (raw[0] & 0xFE) | 0x02
    return ":".join(f"{byte:02x}" for byte in raw)


def random_ecid() -> str:
    """A fresh VZMacMachineIdentifier data representation (a binary plist with an ECID)."""
    import base64

    body = b"bplist00\xd1\x01\x02TECID\x13" + os.urandom(8) + b"\x08\x0b\x10"
    trailer = b"\x00" * 6 + b"\x01\x01" + (3).to_bytes(8, "big") + (0).to_bytes(8, "big")
    return base64.b64encode(body + trailer + (25).to_bytes(8, "big")).decode()


def new_config(
    os_name: str,
    *,
    cpu: int = 4,
    memory: int = 4 * GIB,
    cpu_min: int | None = None,
    memory_min: int | None = None,
    mac: str | None = None,
    disk_format: str = "raw",
    display: dict[str, object] | None = None,
) -> dict[str, object]:
    config: dict[str, object] = {
        "version": 1,
        "os": os_name,
        "arch": "arm64",
        "cpuCountMin": cpu if cpu_min is None else cpu_min,
        "cpuCount": cpu,
        "memorySizeMin": memory if memory_min is None else memory_min,
        "memorySize": memory,
        "macAddress": mac or random_mac(),
        "display": dict(display or DEFAULT_DISPLAY),
        "diskFormat": disk_format,
    }
    if os_name == "darwin":
        config["ecid"] = random_ecid()
        config["hardwareModel"] = HARDWARE_MODEL
    return config


def parse(data: bytes) -> dict[str, object]:
    from .jsonread import loads

    try:
        config = loads(data)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise PlainError("The data couldn’t be read because it isn’t in the correct format.")
    return config


def load(path: str) -> dict[str, object]:
    try:
        return parse(read_bytes(path))
    except FileNotFoundError:
        raise PlainError(
            f"The file “{os.path.basename(path)}” couldn’t be opened because there is no such file."
        ) from None


def save(path: str, config: dict[str, object]) -> None:
    """Write in place: a rename would strand a running VM's lock on the old inode."""
    write_in_place(path, (json_pretty(config) + "\n").encode())


def os_of(config: dict[str, object]) -> str:
    value = config.get("os", "darwin")
    return value if isinstance(value, str) else "darwin"


def number(config: dict[str, object], key: str, default: int = 0) -> int:
    value = config.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def mac_of(config: dict[str, object]) -> str:
    value = config.get("macAddress", "")
    return value.lower() if isinstance(value, str) else ""


def disk_format(config: dict[str, object]) -> str:
    value = config.get("diskFormat", "raw")
    return value if isinstance(value, str) else "raw"


def display_text(config: dict[str, object]) -> str:
    display = config.get("display")
    if not isinstance(display, dict):
        display = DEFAULT_DISPLAY
    text = f"{display.get('width', 1024)}x{display.get('height', 768)}"
    unit = display.get("unit")
    return text + unit if isinstance(unit, str) else text
