"""Throwaway runs: a copy of a VM or image that is deleted when it stops."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from ..core.models import Task
from ..operations.throwaway import RunCopyRequest
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["lifecycle"])


@router.post("/{vm_name:path}/run-copy", response_model=Task)
async def run_copy(
    vm_name: str,
    services: ServicesDep,
    body: Annotated[RunCopyRequest | None, Body()] = None,
) -> Task:
    """Clone the VM or image, start the copy (with these start options), and delete the copy
    when it stops, whoever stops it, even after a crash of this server. Apple's two-macOS-VM
    limit is checked before the clone."""
    return await services.throwaways.run_copy(vm_name, body or RunCopyRequest())
