"""Where tasks are kept: the `TaskStore` seam and an in-memory implementation.

The engine writes a task whenever its status changes and (batched) when its logs grow; a
durable implementation must have the write on disk before `save` returns.
"""

from __future__ import annotations

from typing import Protocol

from ..models import FINAL_STATUSES, Task

MAX_LOG_LINES = 5000
"""Lines kept per task; older lines are dropped, keeping the tail."""


class TaskStore(Protocol):
    async def save(self, task: Task) -> None: ...

    async def get(self, task_id: str) -> Task | None: ...

    async def active(self) -> list[Task]: ...

    async def history(
        self, *, limit: int = 50, offset: int = 0, vm: str | None = None
    ) -> list[Task]: ...

    async def close(self) -> None: ...


class MemoryTaskStore:
    """Tasks for the life of the process; used by tests and as the reference behaviour."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}

    async def save(self, task: Task) -> None:
        self._tasks[task.id] = task.model_copy(deep=True)

    async def get(self, task_id: str) -> Task | None:
        task = self._tasks.get(task_id)
        return task.model_copy(deep=True) if task else None

    async def active(self) -> list[Task]:
        return [t for t in self._tasks.values() if t.status not in FINAL_STATUSES]

    async def history(
        self, *, limit: int = 50, offset: int = 0, vm: str | None = None
    ) -> list[Task]:
        tasks = sorted(self._tasks.values(), key=lambda t: t.created_at, reverse=True)
        if vm is not None:
            tasks = [t for t in tasks if t.vm == vm]
        return tasks[offset : offset + limit]

    async def close(self) -> None:
        return None
