"""A `tart` that records every argv it gets and knows a small fixed inventory.

The property-based tests point the app at it to see exactly what would reach the real `tart`:
each call leaves one record file (arguments NUL-separated), so parallel calls never interleave.
It answers `--version`, `list` and `get` for its known VMs and says "does not exist" (exit 2,
as Tart does) to everything else, so no operation can succeed or do harm.
"""

from __future__ import annotations

import json
from pathlib import Path

KNOWN_VMS = [
    {"Name": "dev", "Source": "local", "State": "stopped", "Disk": 50, "Size": 20},
    {"Name": "busy-vm", "Source": "local", "State": "running", "Disk": 50, "Size": 20},
    {"Name": "debian:latest", "Source": "local", "State": "stopped", "Disk": 20, "Size": 5},
    # A name no one should be able to create, but Tart would list: the last line of defence
    # (tart/argv.py) must keep it from ever being passed as a positional name.
    {"Name": "-rf", "Source": "local", "State": "stopped", "Disk": 20, "Size": 5},
    {
        "Name": "ghcr.io/cirruslabs/macos-sequoia-base:latest",
        "Source": "OCI",
        "State": "stopped",
        "Disk": 50,
        "Size": 25,
    },
]
KNOWN_NAMES = [vm["Name"] for vm in KNOWN_VMS]

GET_JSON = json.dumps(
    {
        "CPU": 4,
        "Memory": 8192,
        "Disk": 50,
        "Display": "1024x768",
        "OS": "darwin",
        "State": "stopped",
        "Running": False,
        "Size": "20.000",
    }
)

# Which argv positions hold a VM name or image reference, per tart command.
NAME_POSITIONS = {
    "get": (1,),
    "ip": (1,),
    "delete": (1,),
    "pull": (1,),
    "fqn": (1,),
    "set": (1,),
    "suspend": (1,),
    "clone": (1, 2),
    "rename": (1, 2),
    "run": (-1,),
    "stop": (-1,),
}
NO_NAMES = {"--version", "list", "prune"}


def write_recording_tart(bin_dir: Path, records: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    records.mkdir(parents=True, exist_ok=True)
    list_file = bin_dir / "list.json"
    list_file.write_text(json.dumps(KNOWN_VMS))
    get_file = bin_dir / "get.json"
    get_file.write_text(GET_JSON)
    script = bin_dir / "tart"
    script.write_text(
        f"""#!/bin/sh
rec=$(mktemp "{records}/argv.XXXXXXXX")
for a in "$@"; do printf '%s\\0' "$a"; done > "$rec"
case "$1" in
  --version) echo "2.32.1"; exit 0 ;;
  login|logout) cat > /dev/null; exit 0 ;;  # the Keychain took it (Login.swift: silent)
  list) cat "{list_file}"; exit 0 ;;
  get) case "$2" in dev|busy-vm|debian:latest) cat "{get_file}"; exit 0 ;; esac ;;
esac
echo "the specified VM \\"$2\\" does not exist" >&2
exit 2
"""
    )
    script.chmod(0o755)
    return script


def read_records(records: Path) -> list[list[str]]:
    """Every argv recorded so far (without the program name)."""
    out: list[list[str]] = []
    for path in sorted(records.glob("argv.*")):
        parts = path.read_bytes().split(b"\0")[:-1]
        if parts:  # an empty file is a call still being written
            out.append([part.decode("utf-8", "surrogateescape") for part in parts])
    return out


def names_in(argv: list[str]) -> list[str]:
    """The arguments of `argv` that tart reads as VM names; fails on an unknown command."""
    if not argv:
        raise AssertionError("tart was run without arguments")
    command = argv[0]
    if command in NO_NAMES:
        return []
    if command not in NAME_POSITIONS:
        raise AssertionError(f"unexpected tart command: {argv!r}")
    return [argv[i] for i in NAME_POSITIONS[command]]
