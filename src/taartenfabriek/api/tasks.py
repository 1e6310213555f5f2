"""Task routes: active tasks, one task, history and cancellation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..core.models import Task
from ..tasks.store import MAX_LOG_LINES
from .deps import Authenticated, ServicesDep

MAX_OFFSET = 2**31
"""Far beyond any history (retention keeps thousands), within what SQLite can bind."""

router = APIRouter(prefix="/api/tasks", dependencies=[Authenticated], tags=["tasks"])


@router.get("/active", response_model=list[Task])
async def active(services: ServicesDep) -> list[Task]:
    """Tasks that are neither completed nor failed."""
    return await services.engine.active()


@router.get("", response_model=list[Task])
async def history(
    services: ServicesDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    vm: Annotated[str | None, Query(description="Only tasks of this VM or image.")] = None,
    logs: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_LOG_LINES,
            description="Only the last `logs` lines of each task's log (0: none, for tables); "
            "without it, whole logs.",
        ),
    ] = None,
) -> list[Task]:
    """Task history (kept across restarts), newest first, optionally for one VM.

    `X-Total-Count` says how many tasks match, for paging.
    """
    response.headers["X-Total-Count"] = str(await services.engine.count(vm))
    return await services.engine.history(limit=limit, offset=offset, vm=vm, log_tail=logs)


@router.get("/{task_id}", response_model=Task)
async def get_task(task_id: str, services: ServicesDep) -> Task:
    """The latest state of a task."""
    return await services.engine.get(task_id)


@router.post("/{task_id}/cancel", response_model=Task)
async def cancel(task_id: str, services: ServicesDep) -> Task:
    """Cancel a pending or running task (tart is interrupted as Ctrl+C would)."""
    return await services.engine.cancel(task_id)
