"""Storage routes: what takes room on the Tart volume, and prune with a dry run first."""

from __future__ import annotations

from fastapi import APIRouter

from ..core.care_models import PrunePlan, PruneRequest, StorageOverview
from ..core.models import Task
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/storage", dependencies=[Authenticated], tags=["storage"])


@router.get("", response_model=StorageOverview)
async def overview(services: ServicesDep) -> StorageOverview:
    """Room taken by every VM, cached image and IPSW, and free space (no tart calls)."""
    return await services.storage.overview()


@router.post("/prune/preview", response_model=PrunePlan)
async def preview(request: PruneRequest, services: ServicesDep) -> PrunePlan:
    """Dry run: what `tart prune` with these criteria would remove now. Removes nothing."""
    return await services.storage.preview(request)


@router.post("/prune", response_model=Task)
async def prune(request: PruneRequest, services: ServicesDep) -> Task:
    """Remove the preview's entries (`names`), one `tart delete` each, as a task."""
    return await services.storage.prune(request)
