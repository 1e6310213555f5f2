"""Apple's limit of two running macOS guests, checked before a start and explained after one.

Virtualization.framework runs at most two macOS VMs at once on a Mac (Linux guests do not
count). Tart finds out only after `tart run` has taken the VM lock: the third run shows
`running` for a moment and then exits with `The number of VMs exceeds the system limit`
(tart-cli.md §0.16). We refuse such a start before any task is made, naming the macOS VMs
that hold the two slots, and when Tart reports the limit anyway (a VM started outside the
app, or macOS leaking a slot after earlier runs: cirruslabs/tart#445, #1217) the start task's
error says what it means in plain words.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..core.errors import Conflict, TaartError

if TYPE_CHECKING:  # the backend imports explain_limit; keep this module free of services
    from ..core.models import VM
    from ..inventory.service import Inventory
    from ..tasks.engine import TaskEngine

LIMIT_MESSAGE = "The number of VMs exceeds the system limit"
_OTHERS_RE = re.compile(r"\(other running VMs: ([^)]*)\)")


def explain_limit(reason: str) -> str | None:
    """A plain-words error for Tart's VM-limit failure; None for any other failure."""
    if LIMIT_MESSAGE.lower() not in reason.lower():
        return None
    match = _OTHERS_RE.search(reason)
    others = [name.strip() for name in match[1].split(",") if name.strip()] if match else []
    if others:
        held = f"{_names(others)} {'is' if len(others) == 1 else 'are'} running"
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


def _names(names: Iterable[str]) -> str:
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


async def _os_of(inventory: Inventory, vm: VM) -> str | None:
    """The guest OS from the `tart get` cache, asking tart once if the cache has no entry."""
    if vm.os is not None or vm.kind != "working_vm":
        return vm.os
    with contextlib.suppress(TaartError):
        raw = (await inventory.config(vm.name)).raw
        value = raw.get("OS") or raw.get("os")
        return value if isinstance(value, str) else None
    return None


async def running_macos(inventory: Inventory, engine: TaskEngine, *, exclude: str) -> list[str]:
    """Names of macOS VMs that are running or being started, other than `exclude`."""
    starting = {
        task.vm for task in await engine.active() if task.action == "start" and task.vm is not None
    }
    names: list[str] = []
    for vm in inventory.vms:
        if vm.name.lower() == exclude.lower() or vm.kind != "working_vm":
            continue
        if vm.status != "running" and vm.name not in starting:
            continue
        if await _os_of(inventory, vm) == "darwin":
            names.append(vm.name)
    return names


async def check_macos_limit(
    inventory: Inventory, engine: TaskEngine, vm: VM, *, limit: int, os_hint: str | None = None
) -> None:
    """409 when starting `vm` would run more than `limit` macOS guests at once.

    A stale cache must not refuse a start the Mac would allow, so when the cached inventory
    says the limit is reached it is refreshed once (one `tart list`) before deciding.
    """
    if limit <= 0:
        return
    os_name = os_hint or await _os_of(inventory, vm)
    if os_name != "darwin":
        return
    others = await running_macos(inventory, engine, exclude=vm.name)
    if len(others) < limit:
        return
    with contextlib.suppress(TaartError):
        await inventory.refresh()
    others = await running_macos(inventory, engine, exclude=vm.name)
    if len(others) < limit:
        return
    verb = "is" if len(others) == 1 else "are"
    raise Conflict(
        f"cannot start {vm.name}: macOS runs at most {limit} macOS VMs at once (a limit of "
        f"Apple's Virtualization framework) and {_names(others)} {verb} already running; "
        "stop one of them first"
    )
