"""Notes, labels and the SSH user of a VM: written by the user, kept by this server.

They follow the VM through a rename and go with it on delete (VMRecords does both), and reach
every inventory read through the inventory's decoration, so the page can search `label:ci`
without another request.
"""

from __future__ import annotations

from ..core.annotations import AnnotationsUpdate, VMAnnotations
from ..inventory.service import Inventory
from .vmrecords import VMRecords


class Annotations:
    def __init__(self, records: VMRecords, inventory: Inventory) -> None:
        self.records = records
        self.inventory = inventory

    async def get(self, name: str) -> VMAnnotations:
        vm = await self.inventory.lookup(name)  # 404 for a VM that does not exist
        return self.records.annotations(vm.name)

    async def update(self, name: str, update: AnnotationsUpdate) -> VMAnnotations:
        vm = await self.inventory.lookup(name)
        saved = self.records.annotate(vm.name, update)
        self.inventory.redecorate()  # the next GET /api/vms has them, without tart
        return saved
