"""What a start's options need of this VM, this Mac and its Tart, checked before any task:
each refusal a 422 that names the need and the fix (the wire models in start_options.py check
what needs neither)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..core.errors import InvalidInput
from .start_options import VMStartOptions


def check_for_tart(
    options: VMStartOptions,
    *,
    refusals: Mapping[str, str | None],
    suspended: bool = False,
) -> None:
    """What this Mac's Tart release and hardware allow (InvalidInput naming what is needed):
    `refusals` is `Backend.capabilities().refusals` (each gate's source is in tart/features.py
    and tart/host.py); a feature it does not name, or names as None, is not refused."""
    wanted = [
        ("suspendable-dirs", (options.suspendable or suspended) and bool(options.dirs)),
        ("dir-tag", any(d.tag for d in options.dirs)),
        ("net-host", options.network == "host"),
        (options.display or "vnc", options.display != "none"),  # None: a VNC by OS
        ("suspendable", options.suspendable or suspended),
        ("rosetta", options.rosetta_tag is not None),
        ("softnet", options.network == "softnet"),
    ]
    for key, used in wanted:
        reason = refusals.get(key) if used else None
        if reason is None:
            continue
        if key == "suspendable-dirs":
            reason += (
                "; this VM is suspended and resumes as suspendable: start it without shared "
                "folders, or stop it to discard the saved state first"
                if suspended
                else "; remove the shared folders, or turn Suspendable off"
            )
        elif key.startswith("vnc"):
            reason += ": choose display none"
        raise InvalidInput(reason)


def check_for_vm(options: VMStartOptions, *, os_name: str | None, suspended: bool) -> None:
    """What depends on this VM and this disk, checked now: InvalidInput (422) with the fix."""
    if options.suspendable and os_name == "linux":
        raise InvalidInput("Tart can suspend macOS guests only: turn suspendable off for Linux")
    if options.serial and os_name == "darwin":
        raise InvalidInput(
            "a serial console is for Linux guests (macOS runs no login on it): turn serial off, "
            "use the Console or the Terminal"
        )
    if options.rosetta_tag and os_name == "darwin":
        raise InvalidInput(
            "Rosetta sharing is for Linux guests: macOS guests have Rosetta built in"
        )
    for share in options.dirs:
        if not os.path.isdir(share.path):
            raise InvalidInput(
                f"shared folder {share.name!r}: {share.path} is not a folder on this Mac"
            )
    for disk in options.disks:
        if not os.path.exists(disk.path):
            raise InvalidInput(f"disk image {disk.path} does not exist on this Mac")
        if os.path.isdir(disk.path):
            raise InvalidInput(
                f"{disk.path} is a folder: share it with dirs, or pick an image file"
            )
