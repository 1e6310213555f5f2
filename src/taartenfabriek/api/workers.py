"""Worker routes: the Macs of an Orchard fleet, and pausing placement on one of them.

With the local backend there are no workers: every route answers 409 with a detail that says
so (one Mac is not a fleet; the UI hides its workers page when `/api/health` says `local`).
"""

from __future__ import annotations

from fastapi import APIRouter

from ..core.models import Worker
from .deps import Authenticated, ServicesDep
from .vms import OptionalBody

router = APIRouter(prefix="/api/workers", dependencies=[Authenticated], tags=["workers"])


@router.get("", response_model=list[Worker])
async def list_workers(services: ServicesDep) -> list[Worker]:
    """Every worker: online or not, paused or not, capacity, use and the VMs placed on it."""
    return await services.backend.workers()


@router.post("/{name}/pause", response_model=Worker)
async def pause(name: str, services: ServicesDep, body: OptionalBody = None) -> Worker:
    """Stop placing new VMs on the worker; the VMs it runs keep running."""
    return await services.backend.set_worker_paused(name, True)


@router.post("/{name}/resume", response_model=Worker)
async def resume(name: str, services: ServicesDep, body: OptionalBody = None) -> Worker:
    """Place new VMs on the worker again."""
    return await services.backend.set_worker_paused(name, False)
