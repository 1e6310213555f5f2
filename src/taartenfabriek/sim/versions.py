"""An older Tart on demand: `TART_SIM_VERSION` also decides which later features exist.

Each gate is the release that brought the feature (found with `git tag --contains` in
cirruslabs/tart): `exec` 2.27.0 (#1074), `ip --resolver agent` 2.28.0 (#1095), SIGUSR2 handled
by `run` 2.12.0 (#842; before, its default action kills the process), `set --random-mac`
2.10.0 (#809), `--dir ...,tag=` 2.6.0 (#733), `--net-host` 2.7.0 (#743), `list`'s `Accessed`
2.31.0 (#1202, which also dropped `SizeOnDisk`), `--dir` with `--suspendable` allowed from
2.27.2 (#1082; refused since 2.2.0, #623). `SNAPSHOT` (a development build) has everything.
Imports only `knobs`.
"""

from __future__ import annotations

import re

from . import knobs

DEFAULT = "2.32.1"


def printed() -> str:
    """What `tart --version` prints."""
    return knobs.text("TART_SIM_VERSION", DEFAULT) or DEFAULT


def at_least(major: int, minor: int, patch: int = 0) -> bool:
    match = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?", printed())
    if match is None:  # SNAPSHOT or anything else: built from main
        return True
    current = (int(match[1]), int(match[2]), int(match[3] or 0))
    return current >= (major, minor, patch)


def too_new(subcommand: str, args: list[str]) -> tuple[str, bool] | None:
    """(usage error, root usage?) for what this Tart release's parser does not know yet."""
    if subcommand == "exec" and not at_least(2, 27, 0):
        return "Unexpected argument 'exec'", True
    if subcommand == "set" and "--random-mac" in args and not at_least(2, 10, 0):
        return "Unknown option '--random-mac'", False
    if subcommand == "run" and "--net-host" in args and not at_least(2, 7, 0):
        return "Unknown option '--net-host'", False
    if subcommand == "ip" and not at_least(2, 28, 0):
        for index, arg in enumerate(args):
            value = arg.partition("=")[2] if arg.startswith("--resolver=") else None
            if arg == "--resolver" and index + 1 < len(args):
                value = args[index + 1]
            if value == "agent":
                return (
                    "The value 'agent' is invalid for '--resolver <resolver>'. Please provide "
                    "one of 'dhcp' and 'arp'.",
                    False,
                )
    return None


def has_dir_tags() -> bool:
    return at_least(2, 6, 0)


def handles_sigusr2() -> bool:
    return at_least(2, 12, 0)


def suspendable_dirs() -> bool:
    return at_least(2, 27, 2)


def list_has_accessed() -> bool:
    return at_least(2, 31, 0)
