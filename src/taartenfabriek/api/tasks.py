"""Task routes: active tasks, one task, history and cancellation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..models import Task
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/tasks", dependencies=[Authenticated], tags=["tasks"])


@router.get("/active", response_model=list[Task])
async def active(services: ServicesDep) -> list[Task]:
    """Tasks that are neither completed nor failed."""
    return await services.engine.active()


@router.get("", response_model=list[Task])
async def history(
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    vm: str | None = None,
) -> list[Task]:
    """Task history, newest first, optionally for one VM."""
    return await services.engine.history(limit=limit, offset=offset, vm=vm)


@router.get("/{task_id}", response_model=Task)
async def get_task(task_id: str, services: ServicesDep) -> Task:
    """The latest state of a task."""
    return await services.engine.get(task_id)


@router.post("/{task_id}/cancel", response_model=Task)
async def cancel(task_id: str, services: ServicesDep) -> Task:
    """Cancel a pending or running task (tart is interrupted as Ctrl+C would)."""
    return await services.engine.cancel(task_id)
