"""What a start of the local backend knows about Tart's boot that `tart run` does not say: why
a run ended before booting, how a cancelled start ends its own run, and when a resume would
lose the VM's saved state. Free functions that `LocalLifecycle` and `LocalBackend.check` call.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..core.errors import TaartError
from ..tart import vmdir
from ..tart.leases import BootWatch
from ..tart.parse import config_fields
from .base import TaskContext

CANCEL_GRACE = 30.0
"""Seconds a cancelled start's `tart run` gets after SIGINT before SIGKILL (`tart stop`'s)."""


def explain_run_exit(reason: str) -> str | None:
    """Why a `tart run` that ended before booting did, when its last line says more than it
    seems: `--vnc` (Screen Sharing) waits 60 s for the guest's IP and then ends the VM with
    `IPNotFound()` (Tart `Sources/tart/VNC/ScreenSharingVNC.swift:14-20`, printed and exit 1
    at `Commands/Run.swift:530-537`)."""
    if reason.strip() == "IPNotFound()":
        return (
            "tart run --vnc (Screen Sharing) found no IP address for the guest within 60 s and "
            "stopped the VM (IPNotFound): Screen Sharing needs the guest on the network with "
            "Remote Login on, which Linux guests and installers lack. Start it with display "
            "vnc-experimental (VNC on 127.0.0.1, works without a guest IP) or none instead"
        )
    return None


async def end_own_run(process: asyncio.subprocess.Process, ctx: TaskContext) -> None:
    """End the `tart run` a cancelled start spawned, and wait until it has exited.

    Not `tart stop`: Tart takes the VM's lock only once the VM is built (Tart
    `Sources/tart/Commands/Run.swift:451`), so in a start's first seconds `tart stop` finds
    nothing running (exit 2, `Stop.swift:22-23`) and the VM comes up anyway. SIGINT is what
    `tart stop` sends: before the lock it ends `tart run` by the signal's default action (the
    handler is installed at `Run.swift:541-546`), after it the VM stops.
    """
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), CANCEL_GRACE)
        except TimeoutError:
            ctx.log(f"tart run ignored SIGINT for {CANCEL_GRACE:g} s: killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    ctx.log(f"tart run ended (exit code {process.returncode})")


def mac_twin_refusal(tart_home: Path | None, name: str) -> str | None:
    """Why resuming `name` now would lose its saved state: another running VM has its MAC (a
    clone of a suspended VM keeps it), and `tart run` would then give it a new MAC and delete
    the snapshot (Tart `Sources/tart/Commands/Run.swift:375-384`, `VMDirectory.swift:135-143`)."""
    if tart_home is None:
        return None
    seen = vmdir.read(tart_home, name)
    if seen is None or seen.state != "suspended":
        return None
    twins = vmdir.running_twins(tart_home, name)
    if not twins:
        return None
    others = ", ".join(twins)
    return (
        f"resuming {name} now would lose its saved state: {others} is running with the same "
        f"MAC address, so Tart would give {name} a new one and delete the snapshot. Stop "
        f"{others} first to resume, or force stop {name} to discard the saved state and start "
        "it fresh"
    )


def state_of(config: dict[str, Any]) -> str:
    return str(config_fields(config)["state"])


def boot_watch(
    leases_path: Path | None, tart_home: Path | None, name: str, *, dhcp: bool
) -> BootWatch:
    """The VM's lease as it is before `tart run`: an earlier run's lease is not a boot
    (tart/leases.py); a resume keeps the guest's own lease."""
    state = tart_home / "vms" / name / "state.vzvmsave" if tart_home else None
    resuming = state is not None and state.exists()
    return BootWatch(leases_path, tart_home, name, resuming=resuming, dhcp=dhcp)


async def lock_taken(
    peek: Callable[[str], vmdir.OnDisk | None],
    get_config: Callable[[str], Awaitable[dict[str, Any]]],
    name: str,
) -> bool:
    """Whether `tart run` holds the VM's lock yet (it takes it only once the VM is built,
    Tart `Sources/tart/Commands/Run.swift:451`): from TART_HOME when the backend can read
    it, else from `tart get` (one call, once an IP turned up); unknown counts as yes."""
    seen = peek(name)
    if seen is not None:
        return seen.state == "running"
    try:
        return state_of(await get_config(name)) == "running"
    except TaartError:
        return True
