"""Ending a VM's run: force stop, graceful shutdown (the guest is asked, through the `tart run`
this server started), suspend (its state saved, macOS guests started suspendable only).

Each refusal is a sentence that says why and what to do instead; `/actions` (actions.py) asks
the same `*_refusal` methods, so the UI disables a button with the reason the API would give.
"""

from __future__ import annotations

from typing import Any

from ..backends.base import RunHandle
from ..core.errors import Conflict, TartTimeout
from ..core.models import VM, ShutdownRequest, Task
from ..tasks.engine import TaskRun
from .context import OperationsContext


class StopActions:
    def __init__(self, ctx: OperationsContext) -> None:
        self.ctx = ctx

    async def stop(self, name: str) -> Task:
        ctx = self.ctx
        ctx.engine.check_claims({name: "exclusive"})

        def rules(vm: VM) -> None:
            ctx.require_local(vm, "stopped")
            if vm.status != "running" and vm.state != "suspended":
                raise Conflict(f"VM {vm.name} is not running")

        vm = await ctx.judge(name, "stop", rules)

        async def work(run: TaskRun) -> dict[str, Any]:
            return await ctx.backend.stop(vm.name, run)

        return await ctx.submit("stop", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    # --- suspend ---------------------------------------------------------------------------

    async def suspend_refusal(self, vm: VM, state: str, os_name: str | None) -> str | None:
        if state == "suspended":
            return f"{vm.name} is already suspended: start it to resume"
        if state != "running":
            return f"{vm.name} is not running: only a running VM can be suspended"
        if os_name == "linux":
            return (
                f"{vm.name} runs Linux, and Tart can suspend macOS guests only "
                "(Virtualization.framework saves macOS guests' state only): shut it down instead"
            )
        run = await self.ctx.owned_run(vm)
        if run is None:
            return (
                f"{vm.name} was not started by this server, so it cannot tell whether it was "
                "started suspendable, and suspending a VM that was not ends it without saving "
                "its state: shut it down or force stop it instead"
            )
        if not run.suspendable:
            return (
                f"{vm.name} was started without 'suspendable', so Tart would end it without "
                "saving its state: shut it down, then start it with suspendable on "
                "(macOS guests, no shared folders)"
            )
        return None

    async def suspend(self, name: str) -> Task:
        ctx = self.ctx
        vm = await ctx.inventory.lookup(name)
        await ctx.backend.check("suspend", vm)  # Orchard: a powerState change, its own rules
        state, os_name = await ctx.state_now(vm)
        refusal = ctx.base_image(vm, "suspended")
        if refusal is None and ctx.backend.kind == "local":
            refusal = await self.suspend_refusal(vm, state, os_name)
        if refusal:
            raise Conflict(refusal)

        async def work(run: TaskRun) -> dict[str, Any]:
            return await ctx.backend.suspend(vm.name, run)

        return await ctx.submit("suspend", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    # --- graceful shutdown -----------------------------------------------------------------

    async def shutdown_refusal(self, vm: VM, state: str) -> str | None:
        if state == "suspended":
            return (
                f"{vm.name} is suspended, not running: start it to resume, or force stop it to "
                "discard the saved state"
            )
        if state != "running":
            return f"{vm.name} is not running"
        if self.ctx.last_run(vm.name) is None:
            return (
                f"{vm.name} was not started by this server (e.g. from a terminal), so the "
                "server cannot ask its guest to shut down: only a force stop is possible"
            )
        if await self.ctx.owned_run(vm) is None:
            return (
                f"{vm.name} is no longer running from the tart run this server started (it "
                "was started again elsewhere): only a force stop is possible"
            )
        return None

    async def shutdown(self, name: str, request: ShutdownRequest | None = None) -> Task:
        ctx = self.ctx
        request = request or ShutdownRequest()
        vm = await ctx.inventory.lookup(name)
        await ctx.backend.check("shutdown", vm)
        state = (await ctx.state_now(vm))[0] if vm.kind != "base_image" else vm.state
        refusal = ctx.base_image(vm, "shut down") or await self.shutdown_refusal(vm, state)
        if refusal:
            raise Conflict(refusal)
        record = ctx.last_run(vm.name)
        assert record is not None
        handle = RunHandle(record.pid, tuple(record.command), record.started_at)

        async def work(run: TaskRun) -> dict[str, Any]:
            try:
                return await ctx.backend.shutdown(vm.name, run, handle, timeout=request.timeout)
            except TartTimeout as exc:
                if not request.force_after:
                    raise Conflict(
                        f"{exc.detail}: force stop it, or shut it down again with force_after"
                    ) from exc
                run.log(f"{exc.detail}: forcing it off (force_after)")
            result = await ctx.backend.stop(vm.name, run)
            return {
                **result,
                "method": "force",
                "message": f"VM {vm.name} did not shut down within {request.timeout:g} s "
                "and was powered off",
            }

        return await ctx.submit("shutdown", vm.name, {vm.name: "exclusive"}, work, (vm.name,))
