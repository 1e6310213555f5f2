"""The task engine: every long operation runs as a task with state, logs and subscribers.

Requests call `submit`, which checks the VM claims (409 when a conflicting task holds the VM),
records the task and returns at once; the body runs in the background and reports through
its `TaskRun` (the backend's `TaskContext`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from ..errors import Cancelled, Conflict, NotFound, TaartError, TartFailed, TartTimeout
from ..models import FINAL_STATUSES, Task
from .pubsub import PubSub, Subscription
from .store import MAX_LOG_LINES, TaskStore

log = logging.getLogger(__name__)

ClaimMode = Literal["exclusive", "shared"]
Body = Callable[["TaskRun"], Awaitable[dict[str, Any] | None]]
Hook = Callable[[Task], Awaitable[None]]

FLUSH_DELAY = 0.05
"""Seconds per snapshot to subscribers in a steady stream (at most 20 messages/s per task)."""

FLUSH_BURST = 3
"""Snapshots that may go out back to back after a quiet spell.

A token bucket (FLUSH_BURST tokens, one more every FLUSH_DELAY): a change goes out at the
end of the current event-loop turn (so the lines of one read travel together) while tokens
last; beyond that, changes are gathered into the next snapshot. So a line is never held
back longer than FLUSH_DELAY, the few lines a command prints together (`pulling disk...`,
`0%`) go out at once, and output faster than 20 lines/s is batched.
"""


class TaskRun:
    """A running task's handle: the `TaskContext` a backend reports into."""

    def __init__(self, engine: TaskEngine, task: Task) -> None:
        self.engine = engine
        self.task = task
        self.pids: list[int] = []
        self.asyncio_task: asyncio.Task[None] | None = None
        self.cancel_requested = False
        self._flush: asyncio.Handle | None = None
        self._tokens = float(FLUSH_BURST)
        self._tokens_at = 0.0

    @property
    def id(self) -> str:
        return self.task.id

    def log(self, line: str) -> None:
        self.task.logs.append(line)
        if len(self.task.logs) > MAX_LOG_LINES:
            del self.task.logs[: len(self.task.logs) - MAX_LOG_LINES]
        self._schedule_flush()

    def set_command(self, argv: list[str]) -> None:
        self.task.command = list(argv)
        self._schedule_flush()

    def set_progress(self, percent: float | None) -> None:
        self.task.progress = percent
        self._schedule_flush()

    def add_pid(self, pid: int) -> None:
        self.pids.append(pid)

    def _refill(self, now: float) -> float:
        self._tokens = min(FLUSH_BURST, self._tokens + (now - self._tokens_at) / FLUSH_DELAY)
        self._tokens_at = now
        return self._tokens

    def _schedule_flush(self) -> None:
        if self._flush is None:
            loop = asyncio.get_running_loop()
            tokens = self._refill(loop.time())
            if tokens >= 1:
                self._flush = loop.call_soon(self._flush_now)
            else:
                self._flush = loop.call_later((1 - tokens) * FLUSH_DELAY, self._flush_now)

    def _flush_now(self) -> None:
        self._flush = None
        self._refill(asyncio.get_running_loop().time())
        self._tokens -= 1
        self.task.updated_at = time.time()
        self.engine._publish(self.task)

    def cancel_flush(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None


class TaskEngine:
    def __init__(self, store: TaskStore, pubsub: PubSub | None = None) -> None:
        self.store = store
        self.pubsub = pubsub or PubSub()
        self._runs: dict[str, TaskRun] = {}
        self._claims: dict[str, tuple[ClaimMode, set[str]]] = {}
        self._closing = False

    # --- submitting ------------------------------------------------------------------------

    def _check_claims(self, claims: Mapping[str, ClaimMode]) -> None:
        for name, mode in claims.items():
            held = self._claims.get(name.lower())
            if held is None or not held[1]:
                continue
            held_mode, holders = held
            if mode == "exclusive" or held_mode == "exclusive":
                holder = self._runs.get(next(iter(holders)))
                what = f"{holder.task.action} task {holder.id}" if holder else "another task"
                raise Conflict(f"{name} is busy: {what} is still running")

    def _take_claims(self, task_id: str, claims: Mapping[str, ClaimMode]) -> None:
        for name, mode in claims.items():
            key = name.lower()
            held = self._claims.get(key)
            if held is None:
                self._claims[key] = (mode, {task_id})
            else:
                held[1].add(task_id)

    def _release_claims(self, task_id: str) -> None:
        for key in list(self._claims):
            _mode, holders = self._claims[key]
            holders.discard(task_id)
            if not holders:
                del self._claims[key]

    def busy(self, name: str) -> str | None:
        """The id of a task holding `name`, if any."""
        held = self._claims.get(name.lower())
        return next(iter(held[1])) if held and held[1] else None

    async def submit(
        self,
        action: str,
        body: Body,
        *,
        vm: str | None = None,
        claims: Mapping[str, ClaimMode] | None = None,
        on_done: Hook | None = None,
    ) -> Task:
        if self._closing:
            raise Conflict("the server is shutting down and takes no new tasks")
        claims = dict(claims or {})
        self._check_claims(claims)
        now = time.time()
        task = Task(id=uuid.uuid4().hex, action=action, created_at=now, updated_at=now, vm=vm)
        run = TaskRun(self, task)
        self._take_claims(task.id, claims)
        self._runs[task.id] = run
        try:
            await self.store.save(task)
        except BaseException:
            self._release_claims(task.id)
            del self._runs[task.id]
            raise
        snapshot = task.model_copy(deep=True)
        run.asyncio_task = asyncio.create_task(self._execute(run, body, on_done))
        return snapshot

    async def _execute(self, run: TaskRun, body: Body, on_done: Hook | None) -> None:
        task = run.task
        await self._transition(run, status="running")
        try:
            result = await body(run)
        except asyncio.CancelledError:
            reason = "cancelled by user" if run.cancel_requested else "the server stopped"
            await self._fail(
                run,
                f"{task.action} was {reason}"
                if run.cancel_requested
                else f"{task.action} was interrupted because {reason}",
            )
            if not run.cancel_requested:
                raise
        except TartFailed as exc:
            await self._fail(run, exc.detail, exit_code=exc.exit_code, stderr=exc.stderr)
        except TartTimeout as exc:
            await self._fail(run, exc.detail)
        except TaartError as exc:
            await self._fail(run, exc.detail)
        except Exception as exc:
            log.exception("task %s (%s) crashed", task.id, task.action)
            await self._fail(run, f"unexpected error: {type(exc).__name__}: {exc}")
        else:
            task.exit_code = 0
            await self._transition(run, status="completed", result=result or {})
        finally:
            self._release_claims(task.id)
            self._runs.pop(task.id, None)
            if on_done is not None:
                try:
                    await on_done(task)
                except Exception:
                    log.exception("after-task hook of %s failed", task.id)

    async def _fail(
        self, run: TaskRun, error: str, *, exit_code: int | None = None, stderr: str | None = None
    ) -> None:
        run.log(f"error: {error}")
        await self._transition(
            run, status="failed", error=error, exit_code=exit_code, stderr=stderr or None
        )

    async def _transition(self, run: TaskRun, **changes: Any) -> None:
        run.cancel_flush()
        task = run.task
        for key, value in changes.items():
            setattr(task, key, value)
        task.updated_at = time.time()
        try:
            await self.store.save(task)
        except Exception:
            log.exception("could not record task %s", task.id)
        self._publish(task)

    def _publish(self, task: Task) -> None:
        if self.pubsub.count(task.id):
            self.pubsub.publish(task.id, task.model_dump_json())

    # --- reading ---------------------------------------------------------------------------

    async def get(self, task_id: str) -> Task:
        run = self._runs.get(task_id)
        if run is not None:
            return run.task.model_copy(deep=True)
        task = await self.store.get(task_id)
        if task is None:
            raise NotFound(f"task {task_id} does not exist")
        return task

    async def active(self) -> list[Task]:
        live = [run.task.model_copy(deep=True) for run in self._runs.values()]
        live_ids = {task.id for task in live}
        stored = [task for task in await self.store.active() if task.id not in live_ids]
        return sorted(live + stored, key=lambda task: task.created_at)

    async def history(self, *, limit: int, offset: int, vm: str | None) -> list[Task]:
        return await self.store.history(limit=limit, offset=offset, vm=vm)

    def subscribe(self, task_id: str) -> Subscription:
        return self.pubsub.subscribe(task_id)

    def live(self, task_id: str) -> TaskRun | None:
        return self._runs.get(task_id)

    # --- cancelling and closing ------------------------------------------------------------

    async def cancel(self, task_id: str) -> Task:
        run = self._runs.get(task_id)
        if run is None:
            task = await self.get(task_id)
            if task.status in FINAL_STATUSES:
                raise Conflict(f"task {task_id} has already {task.status}")
            raise Cancelled(f"task {task_id} is not running in this server")
        run.cancel_requested = True
        if run.asyncio_task is not None:
            run.asyncio_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(run.asyncio_task)
        return await self.get(task_id)

    async def wait(self, task_id: str) -> Task:
        run = self._runs.get(task_id)
        if run is not None and run.asyncio_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(run.asyncio_task)
        return await self.get(task_id)

    async def close(self, grace: float = 3.0) -> None:
        """Stop taking work, end running tasks (recorded as interrupted), wake subscribers."""
        self._closing = True
        pending = [run.asyncio_task for run in self._runs.values() if run.asyncio_task]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=grace + 12)
        self.pubsub.close_all()
        await self.store.close()
