"""Where tasks are kept: the `TaskStore` seam and an in-memory implementation.

The engine writes a task whenever its status changes (awaited: the state is recorded before
anyone hears of it) and, batched, when its logs grow. Writes are *submitted* in call order and
applied in that order, which is why `save` and `add_process` are plain methods returning an
awaitable rather than coroutines: a coroutine would only submit its write when first scheduled,
so a log flush could overtake a status change and write an older state over a newer one.
`SQLiteTaskStore` (tasks/sqlite.py) is the durable implementation the server uses.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..core import procs
from ..core.models import FINAL_STATUSES, Task

MAX_LOG_LINES = 5000
"""Lines kept per task; older lines are dropped, keeping the tail."""

MAX_LINE_CHARS = 4096
"""A longer log line is cut: one runaway line must not fill the disk."""


@dataclass(frozen=True)
class ProcessRecord:
    """A `tart` child of a task, recorded so a restarted server can end it if it outlived us.

    `start` is the process's start-time token (procs.identity): a pid alone could be recycled
    by an unrelated process by the time we look again.
    """

    task_id: str
    pid: int
    start: str
    args: tuple[str, ...]


class TaskStore(Protocol):
    def save(
        self, task: Task, new_logs: Sequence[str] = (), *, done: bool = False, sync: bool = True
    ) -> Awaitable[None]:
        """Record every field of `task` except `logs`, and append `new_logs` to its log.

        `done` also forgets the task's processes (they have all exited). The write is
        submitted before this returns; awaiting the result waits until it is committed.
        `sync=False` (log batches) may skip the fsync: the write survives a crash of the
        server, and the next synced write (every status change) flushes it to the disk too.
        """
        ...

    def add_process(self, task_id: str, pid: int, args: Sequence[str]) -> Awaitable[None]:
        """Remember a child process (with its start time, read now) until the task is done."""
        ...

    async def get(self, task_id: str) -> Task | None: ...

    async def active(self) -> list[Task]:
        """Tasks recorded as pending or running, oldest first, with their logs."""
        ...

    async def history(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        vm: str | None = None,
        log_tail: int | None = None,
    ) -> list[Task]:
        """Newest first; each task carries the last `log_tail` lines of its log (None: all)."""
        ...

    async def count(self, vm: str | None = None) -> int: ...

    async def processes(self) -> list[ProcessRecord]: ...

    async def forget_processes(self, records: Sequence[ProcessRecord]) -> None: ...

    async def prune(self, *, keep: int, max_age: float | None) -> int:
        """Drop finished tasks beyond the newest `keep` (0: no limit) or older than `max_age`
        seconds (None: no limit); returns how many went."""
        ...

    def reopen(self) -> None:
        """Be usable again after `close` (a no-op while open)."""
        ...

    async def close(self) -> None: ...


def _done() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


class MemoryTaskStore:
    """Tasks for the life of the process; used by tests and as the reference behaviour."""

    def __init__(self, max_log_lines: int = MAX_LOG_LINES) -> None:
        self.max_log_lines = max_log_lines
        self._tasks: dict[str, Task] = {}
        self._logs: dict[str, deque[str]] = {}
        self._processes: dict[tuple[str, int], ProcessRecord] = {}

    def save(
        self, task: Task, new_logs: Sequence[str] = (), *, done: bool = False, sync: bool = True
    ) -> Awaitable[None]:
        self._tasks[task.id] = task.model_copy(update={"logs": []}, deep=True)
        logs = self._logs.setdefault(task.id, deque(maxlen=self.max_log_lines))
        logs.extend(new_logs)
        if done:
            for key in [key for key in self._processes if key[0] == task.id]:
                del self._processes[key]
        return _done()

    def add_process(self, task_id: str, pid: int, args: Sequence[str]) -> Awaitable[None]:
        ident = procs.identity(pid)
        if ident is not None:
            self._processes[(task_id, pid)] = ProcessRecord(task_id, pid, ident.start, tuple(args))
        return _done()

    def _full(self, task: Task, tail: int | None = None) -> Task:
        logs = list(self._logs.get(task.id, ()))
        if tail is not None:
            logs = logs[len(logs) - tail :] if tail else []
        return task.model_copy(update={"logs": logs}, deep=True)

    async def get(self, task_id: str) -> Task | None:
        task = self._tasks.get(task_id)
        return self._full(task) if task else None

    async def active(self) -> list[Task]:
        return [self._full(t) for t in self._tasks.values() if t.status not in FINAL_STATUSES]

    def _newest_first(self, vm: str | None) -> list[Task]:
        tasks = list(reversed(self._tasks.values()))
        if vm is not None:
            tasks = [t for t in tasks if t.vm is not None and t.vm.lower() == vm.lower()]
        return tasks

    async def history(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        vm: str | None = None,
        log_tail: int | None = None,
    ) -> list[Task]:
        page = self._newest_first(vm)[offset : offset + limit]
        return [self._full(task, log_tail) for task in page]

    async def count(self, vm: str | None = None) -> int:
        return len(self._newest_first(vm))

    async def processes(self) -> list[ProcessRecord]:
        return list(self._processes.values())

    async def forget_processes(self, records: Sequence[ProcessRecord]) -> None:
        for record in records:
            self._processes.pop((record.task_id, record.pid), None)

    async def prune(self, *, keep: int, max_age: float | None) -> int:
        newest = self._newest_first(None)
        cutoff = None if max_age is None else time.time() - max_age
        doomed = [
            task.id
            for index, task in enumerate(newest)
            if task.status in FINAL_STATUSES
            and ((keep and index >= keep) or (cutoff is not None and task.created_at < cutoff))
        ]
        for task_id in doomed:
            del self._tasks[task_id]
            self._logs.pop(task_id, None)
        return len(doomed)

    def reopen(self) -> None:
        return None

    async def close(self) -> None:
        return None
