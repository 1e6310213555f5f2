"""A local VM's details read from its files, as `tart get --format json` would print them.

`tart get` reads `config.json`, the three files' sizes and the lock (Tart's
Sources/tart/Commands/Get.swift:26-31); doing the same in-process saves a Swift process a VM.
Tart's field names and units are the reference:

- `OS`: config.json `os`, `darwin` when absent (VMConfig.swift:110);
- `CPU`: `cpuCount`, an integer, required (VMConfig.swift:126);
- `Memory`: `memorySize` (bytes, VMConfig.swift:128) / 1024 / 1024, in MiB (Get.swift:28);
- `Display`: `display` `{width, height, unit?}` as `WxH` + unit, 1024x768 when absent
  (VMConfig.swift:41-53, 139);
- `DiskFormat`: `diskFormat`, `raw` when absent or unknown (VMConfig.swift:141-142);
- `Disk`: the sizes of config.json, disk.img and nvram.bin together, in whole GB of 10^9
  bytes (Get.swift:30 `vmDir.sizeGB()`; VMDirectory.swift:294-299), the number `tart list`
  prints too (List.swift:45), which lets the backend check that the files are Tart's.

Only the fields the inventory shows are read (`Size`, the allocated size, is not: `tart list`
gives it), leniently: other keys may be missing or odd. A shown field that Tart itself could
not decode makes the whole answer None, and the backend asks `tart get` instead: never a guess.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from . import vmdir

FILES = vmdir.FILES
DISPLAY_UNITS = ("pt", "px")


@dataclass(frozen=True)
class Stamp:
    """What must be unchanged for a VM's details read earlier to still hold."""

    config: tuple[int, int]
    """config.json's modification time (ns) and size."""
    disk_gb: int


def stamp(path: str) -> Stamp | None:
    """Three stats; None when a file is missing (not an initialised VM)."""
    try:
        stats = [os.stat(os.path.join(path, name)) for name in FILES]
    except OSError:
        return None
    total = sum(stat.st_size for stat in stats)
    return Stamp((stats[0].st_mtime_ns, stats[0].st_size), total // 1_000_000_000)


def _integer(value: Any) -> int | None:
    """A JSON integer as Swift's Codable takes one (no bools, no fractions, no strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _display(value: Any) -> str | None:
    if value is None:
        return "1024x768"
    if not isinstance(value, dict):
        return None
    width, height = _integer(value.get("width")), _integer(value.get("height"))
    unit = value.get("unit")
    if width is None or height is None or (unit is not None and unit not in DISPLAY_UNITS):
        return None
    return f"{width}x{height}{unit or ''}"


def details(config: bytes, disk_gb: int) -> dict[str, Any] | None:
    """`tart get --format json`'s shown fields from config.json's bytes and the files' size
    (the state is `tart list`'s); None when one of them cannot be read as Tart reads it."""
    try:
        raw = json.loads(config)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    os_name = raw.get("os", "darwin")
    cpu = _integer(raw.get("cpuCount"))
    memory = _integer(raw.get("memorySize"))
    display = _display(raw.get("display"))
    if os_name not in ("darwin", "linux") or cpu is None or memory is None or memory < 0:
        return None
    if display is None:
        return None
    disk_format = raw.get("diskFormat")
    return {
        "OS": os_name,
        "CPU": cpu,
        "Memory": memory // 1024 // 1024,
        "Disk": disk_gb,
        "DiskFormat": disk_format if disk_format in ("raw", "asif") else "raw",
        "Display": display,
    }


def read(path: str) -> tuple[Stamp, dict[str, Any] | None] | None:
    """The VM folder's stamp and details (None details: unreadable for Tart too); None when
    it is not an initialised VM."""
    found = stamp(path)
    if found is None:
        return None
    try:
        with open(os.path.join(path, "config.json"), "rb") as handle:
            config = handle.read()
    except OSError:
        return None
    return found, details(config, found.disk_gb)
