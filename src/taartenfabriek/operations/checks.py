"""The Mac-care checks `Operations` runs around its recipes.

Before a start: Apple's two-macOS-guests limit (409 before any task). Before a pull, or a
create that pulls: the room the image needs (507 before any task). After a start that found no
IP: why not, in the task's result and logs. Each is optional, so `Operations` works without.
"""

from __future__ import annotations

from typing import Any

from ..backends.base import TaskContext
from ..care.ipdiag import IPDoctor
from ..care.limits import check_macos_limit
from ..care.storage import StorageService
from ..core.models import VM
from ..inventory.service import Inventory
from ..tasks.engine import TaskEngine


class CareChecks:
    def __init__(
        self,
        *,
        inventory: Inventory,
        engine: TaskEngine,
        storage: StorageService | None,
        doctor: IPDoctor | None,
        macos_vm_limit: int,
    ) -> None:
        self.inventory = inventory
        self.engine = engine
        self.storage = storage
        self.doctor = doctor
        self.macos_vm_limit = macos_vm_limit

    async def before_start(self, vm: VM, *, os_hint: str | None = None) -> None:
        await check_macos_limit(
            self.inventory, self.engine, vm, limit=self.macos_vm_limit, os_hint=os_hint
        )

    async def before_pull(self, reference: str) -> str | None:
        """A line for the task's log; raises InsufficientStorage when the image cannot fit."""
        if self.storage is None:
            return None
        return await self.storage.check_pull(reference)

    def after_start(self, name: str, result: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        if self.doctor is None or result.get("ip_address"):
            return result
        vm = self.inventory.find(name)
        diagnosis = self.doctor.explain(name, os_name=vm.os if vm else None)
        ctx.log(f"no IP address yet: {diagnosis}")
        return {**result, "ip_diagnosis": diagnosis}
