"""Apple's limit of two running macOS guests, checked before a start and explained after one.

Virtualization.framework runs at most two macOS VMs at once on a Mac (Linux guests do not
count). Tart finds out only after `tart run` has taken the VM lock: the third run shows
`running` for a moment and then exits with `The number of VMs exceeds the system limit`
(tart-cli.md §0.16). We refuse such a start before any task is made, naming the macOS VMs
that hold the two slots, and when Tart reports the limit anyway (a VM started outside the
app, or macOS leaking a slot after earlier runs: cirruslabs/tart#445, #1217) the start task's
error says what it means in plain words (the local backend, with tart/parse.py's
`explain_limit`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from ..core.errors import Conflict, TaartError
from ..core.models import VM
from ..inventory.service import Inventory
from ..tasks.engine import TaskEngine


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


def _counts(os_name: str | None) -> bool:
    """Whether a VM takes one of the two slots: macOS does, and so does a VM whose OS could
    not be found out (letting it through is how ten unknown VMs all got started)."""
    return os_name in (None, "darwin")


class MacSlots:
    """The macOS starts admitted and not yet over (start, resume, clone-and-start).

    The decision and the reservation happen in one synchronous step, right before the task
    claims its VM (`TaskEngine.submit` claims before its first await): no other request can
    be admitted in between, however many arrive at once. A reservation ends with its task, after
    the refresh that shows the VM running, so the inventory takes over the count.
    """

    def __init__(self) -> None:
        self.reserved: dict[str, str] = {}

    def holders(self, inventory: Inventory, *, exclude: str) -> list[str]:
        """The macOS VMs (or VMs of unknown OS) running, or admitted to start, but `exclude`."""
        held: dict[str, str] = {}
        for vm in inventory.vms:
            if vm.kind == "working_vm" and vm.status == "running" and _counts(vm.os):
                held[vm.name.lower()] = vm.name
        for key, name in self.reserved.items():
            held.setdefault(key, name)
        held.pop(exclude.lower(), None)
        return list(held.values())

    def reserve(
        self, inventory: Inventory, name: str, os_name: str | None, *, limit: int
    ) -> Callable[[], None]:
        """Take a slot for `name` (409 when none is free); returns what gives it back."""
        if limit <= 0 or not _counts(os_name):
            return _nothing
        others = self.holders(inventory, exclude=name)
        if len(others) >= limit:
            raise _refusal(name, others, limit)
        key = name.lower()
        self.reserved[key] = name

        def release() -> None:
            if self.reserved.get(key) == name:
                del self.reserved[key]

        return release


def _nothing() -> None:
    return None


def _refusal(name: str, others: list[str], limit: int) -> Conflict:
    verb = "is" if len(others) == 1 else "are"
    return Conflict(
        f"cannot start {name}: macOS runs at most {limit} macOS VMs at once (a limit of "
        f"Apple's Virtualization framework) and {_names(others)} {verb} already running or "
        "starting; stop one of them first"
    )


async def running_macos(
    inventory: Inventory, engine: TaskEngine, *, exclude: str, slots: MacSlots | None = None
) -> list[str]:
    """Names of macOS VMs that are running or being started, other than `exclude`; the OS of
    each running VM is looked up when the inventory does not know it yet."""
    starting = {
        task.vm for task in await engine.active() if task.action == "start" and task.vm is not None
    }
    names: list[str] = []
    for vm in inventory.vms:
        if vm.name.lower() == exclude.lower() or vm.kind != "working_vm":
            continue
        if vm.status != "running" and vm.name not in starting:
            continue
        if _counts(await _os_of(inventory, vm)):
            names.append(vm.name)
    if slots is not None:
        seen = {name.lower() for name in names}
        names += [
            name
            for key, name in slots.reserved.items()
            if key not in seen and key != exclude.lower()
        ]
    return names


async def check_macos_limit(
    inventory: Inventory,
    engine: TaskEngine,
    vm: VM,
    *,
    limit: int,
    os_hint: str | None = None,
    slots: MacSlots | None = None,
) -> str | None:
    """409 when starting `vm` would run more than `limit` macOS guests at once; returns the
    VM's OS as found (None: unknown, which counts as macOS).

    A stale cache must not refuse a start the Mac would allow, so when the cached inventory
    says the limit is reached it is refreshed once (one `tart list`) before deciding. This is
    the look before the leap; `MacSlots.reserve` decides, without awaiting, just before the task.
    """
    if limit <= 0:
        return os_hint
    os_name = os_hint or await _os_of(inventory, vm)
    if not _counts(os_name):
        return os_name
    others = await running_macos(inventory, engine, exclude=vm.name, slots=slots)
    if len(others) < limit:
        return os_name
    with contextlib.suppress(TaartError):
        await inventory.refresh()
    others = await running_macos(inventory, engine, exclude=vm.name, slots=slots)
    if len(others) < limit:
        return os_name
    raise _refusal(vm.name, others, limit)
