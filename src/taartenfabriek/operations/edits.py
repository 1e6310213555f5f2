"""Changing a stopped VM: its hardware (`tart set`: CPU, memory, display, disk, MAC) and its
name (`tart rename`).

Each refusal is a sentence that says why and what to do instead; `/actions` (actions.py) asks
the same `stopped_refusal`, so the UI disables Edit and Rename with the reason the API gives.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import Conflict, InvalidInput
from ..core.models import VM, ConfigUpdate, RenameRequest, Task
from ..tasks.engine import ClaimMode, TaskRun
from .context import OperationsContext, check_host


class EditActions:
    def __init__(self, ctx: OperationsContext) -> None:
        self.ctx = ctx

    @staticmethod
    def stopped_refusal(vm: VM, state: str, what: str) -> str | None:
        if state == "running":
            return f"{vm.name} is running: shut it down before you {what} it"
        if state == "suspended" and what == "reconfigure":
            return (
                f"{vm.name} is suspended, and its saved state needs its current configuration: "
                "resume it and shut it down, or force stop it to discard the saved state, first"
            )
        return None

    async def update_config(self, name: str, update: ConfigUpdate) -> Task:
        ctx = self.ctx
        vm = await ctx.inventory.lookup(name)
        await ctx.backend.check("set", vm)
        ctx.require_local(vm, "reconfigured")
        state, _os, raw = await ctx.now(vm)
        refusal = self.stopped_refusal(vm, state, "reconfigure")
        if refusal:
            raise Conflict(refusal)
        disk = update.disk_size
        current = raw.get("Disk")
        if disk is not None and isinstance(current, int):
            if disk < current:
                raise InvalidInput(
                    f"Tart can only grow a disk: {vm.name} has {current} GB, so disk_size must "
                    f"be at least {current} (shrinking would cut off the guest's data)"
                )
            disk = None if disk == current else disk
        memory_mb = update.memory_in_mb
        if ctx.backend.kind == "local":
            check_host(update.cpu, memory_mb)

        async def work(run: TaskRun) -> dict[str, Any]:
            if (update.cpu, memory_mb, update.display, disk) == (
                None,
            ) * 4 and not update.random_mac:
                run.log(f"the disk already is {current} GB: nothing to change")
                return {"message": f"VM {vm.name} unchanged", "changed": {}}
            return await ctx.backend.set_config(
                vm.name,
                run,
                cpu=update.cpu,
                memory_mb=memory_mb,
                display=update.display,
                disk_size_gb=disk,
                random_mac=update.random_mac,
            )

        return await ctx.submit("set", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    async def rename(self, name: str, request: RenameRequest) -> Task:
        ctx = self.ctx
        vm = await ctx.inventory.lookup(name)
        await ctx.backend.check("rename", vm)
        new_name = request.new_name
        ctx.require_local(vm, "renamed")
        if new_name == vm.name:
            raise InvalidInput(f"{vm.name} already has that name")
        if new_name.lower() == vm.name.lower():
            raise Conflict(
                f"{new_name} differs from {vm.name} in letter case only, and the Mac's disk "
                "ignores case: rename it to another name first"
            )
        state = (await ctx.state_now(vm))[0]
        refusal = self.stopped_refusal(vm, state, "rename")
        if refusal:
            raise Conflict(refusal)
        await ctx.check_new_name(new_name)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await ctx.backend.rename(vm.name, new_name, run)
            ctx.records.forget(new_name)
            ctx.records.rename(vm.name, new_name)
            return result

        claims: dict[str, ClaimMode] = {vm.name: "exclusive", new_name: "exclusive"}
        return await ctx.submit("rename", vm.name, claims, work, (vm.name, new_name))
