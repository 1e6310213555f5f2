"""Deleting a VM (`tart delete`): refused while it runs; its remembered start options go with
it, its run logs stay readable."""

from __future__ import annotations

from typing import Any

from ..core.errors import Conflict
from ..core.models import VM, Task
from ..tasks.engine import TaskRun
from .context import OperationsContext


class DeleteActions:
    def __init__(self, ctx: OperationsContext) -> None:
        self.ctx = ctx

    async def delete(self, name: str) -> Task:
        ctx = self.ctx
        ctx.engine.check_claims({name: "exclusive"})

        def rules(vm: VM) -> None:
            if vm.status == "running":
                raise Conflict(f"VM {vm.name} is running: stop it before deleting it")

        vm = await ctx.judge(name, "delete", rules)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await ctx.backend.delete(vm.name, run)
            ctx.records.forget(vm.name)
            return result

        return await ctx.submit("delete", vm.name, {vm.name: "exclusive"}, work, (vm.name,))
