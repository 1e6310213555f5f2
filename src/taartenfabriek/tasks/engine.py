"""The task engine: every long operation runs as a task with state, logs and subscribers.

Requests call `submit`, which checks the VM claims (409 naming the task that holds the VM),
records the task and returns at once; the body runs in the background and reports through its
`TaskRun`. Every status change is written to the store and awaited *before* subscribers hear
of it, so what a client has seen is what a restarted server reports. A task whose record
cannot be written is stopped with that error rather than run on unrecorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ..core.errors import Conflict, NotFound, ShuttingDown, TaartError, TartFailed
from ..core.models import FINAL_STATUSES, Task
from . import recovery
from .claims import ClaimMode, Claims
from .pubsub import PubSub, Subscription
from .run import TaskRun
from .store import TaskStore

log = logging.getLogger(__name__)

Body = Callable[[TaskRun], Awaitable[dict[str, Any] | None]]
Hook = Callable[[Task], Awaitable[None]]

CANCEL_WAIT = 15.0
"""Seconds `cancel` waits for the task to end (tart gets 10 s after SIGINT) before answering."""

SHUTDOWN_GRACE = 4.0
"""Seconds `close` lets interrupted tasks finish before recording them as interrupted anyway."""

PRUNE_INTERVAL = 600.0
"""Seconds between two retention passes over the history (one also runs at start)."""

__all__ = ["ClaimMode", "TaskEngine", "TaskRun"]


class TaskEngine:
    def __init__(
        self,
        store: TaskStore,
        pubsub: PubSub | None = None,
        *,
        retention_count: int = 0,
        retention_age: float | None = None,
    ) -> None:
        self.store = store
        self.pubsub = pubsub or PubSub()
        self.retention_count = retention_count
        self.retention_age = retention_age
        self._runs: dict[str, TaskRun] = {}
        self._unrecorded: dict[str, tuple[Task, list[str]]] = {}
        """Final states the store refused (full disk), with their unwritten log lines."""
        self.claims = Claims()
        self._closing = False
        self._background: set[asyncio.Task[Any]] = set()
        self._pruned_at = 0.0

    # --- claims ----------------------------------------------------------------------------

    def check_claims(self, claims: Mapping[str, ClaimMode]) -> None:
        """Raise Conflict, naming the holder, if a running task holds a name incompatibly."""
        blocked = self.claims.blocking(claims)
        if blocked is not None:
            name, task_id = blocked
            holder = self._runs.get(task_id)
            what = f"{holder.task.action} task {holder.id}" if holder else "another task"
            raise Conflict(f"{name} is busy: {what} is still running")

    def busy(self, name: str) -> str | None:
        """The id of a task holding `name`, if any."""
        return self.claims.holder(name)

    # --- submitting and running ------------------------------------------------------------

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
            raise ShuttingDown("the server is shutting down and takes no new tasks")
        claims = dict(claims or {})
        self.check_claims(claims)
        now = time.time()
        task = Task(id=uuid.uuid4().hex, action=action, created_at=now, updated_at=now, vm=vm)
        run = TaskRun(self, task)
        self.claims.take(task.id, claims)
        self._runs[task.id] = run
        try:
            await asyncio.shield(self.store.save(task))
        except BaseException:
            self.claims.release(task.id)
            del self._runs[task.id]
            raise
        snapshot = task.model_copy(deep=True)
        run.asyncio_task = asyncio.create_task(self._execute(run, body, on_done))
        return snapshot

    async def _execute(self, run: TaskRun, body: Body, on_done: Hook | None) -> None:
        task = run.task
        run.started = True
        try:
            if run.stop_reason is None and await self._transition(run, status="running"):
                await self._run_body(run, body)
            else:
                await self._fail(run, run.stop_reason or "the task could not be recorded")
        except asyncio.CancelledError:
            # Cancelled in its own bookkeeping (while `running` was being written): the write
            # still lands (it is shielded), and so must the end.
            await self._fail(run, run.stop_reason or f"{task.action} was interrupted")
        finally:
            self.claims.release(task.id)
            self._runs.pop(task.id, None)
            self._maybe_prune()
            if on_done is not None:
                try:
                    await on_done(task)
                except Exception:
                    log.exception("after-task hook of %s failed", task.id)

    async def _run_body(self, run: TaskRun, body: Body) -> None:
        task = run.task
        try:
            result = await body(run)
        except asyncio.CancelledError:
            # Not re-raised: the cancel was ours (user, shutdown or storage) and is recorded.
            await self._fail(run, run.stop_reason or f"{task.action} was interrupted")
        except TartFailed as exc:
            await self._fail(run, exc.detail, exit_code=exc.exit_code, stderr=exc.stderr)
        except TaartError as exc:
            await self._fail(run, exc.detail)
        except Exception as exc:
            log.exception("task %s (%s) crashed", task.id, task.action)
            await self._fail(run, f"unexpected error: {type(exc).__name__}: {exc}")
        else:
            task.exit_code = 0
            await self._transition(run, status="completed", result=result or {})

    async def _fail(
        self, run: TaskRun, error: str, *, exit_code: int | None = None, stderr: str | None = None
    ) -> None:
        run.log(f"error: {error}")
        await self._transition(
            run,
            status="failed",
            error=error,
            exit_code=exit_code,
            stderr=stderr or None,
            cancelled=run.cancel_requested,
        )

    async def _transition(self, run: TaskRun, **changes: Any) -> bool:
        """Record a status change (awaited), then apply it where readers see it.

        Applied only after the write: a client that sees `completed` (GET reads the live run)
        must also find the claims released, which happens right after, in the same step.
        """
        if run.finalized:
            return False
        run.cancel_timers()
        task = run.task
        changes["updated_at"] = time.time()
        final = changes.get("status", task.status) in FINAL_STATUSES
        if final:
            run.finalized = True
        lines = run.take_unsaved()
        recorded = await self._record(task.model_copy(update=changes), lines, done=final)
        for key, value in changes.items():
            setattr(task, key, value)
        if not recorded and not final:
            run.stop_reason = run.stop_reason or (
                f"{task.action} was stopped: the task could not be recorded in the task history"
            )
        self.publish(task)
        return recorded

    async def _record(self, task: Task, lines: Sequence[str], *, done: bool) -> bool:
        try:
            # Shielded: a second cancel must not drop a write that is already queued.
            await asyncio.shield(self.store.save(task, lines, done=done))
        except Exception as exc:
            detail = exc.detail if isinstance(exc, TaartError) else repr(exc)
            log.error("could not record task %s (%s): %s", task.id, task.status, detail)
            if task.status in FINAL_STATUSES:
                # Kept in memory so GET still answers; written again when the store recovers.
                self._unrecorded[task.id] = (task.model_copy(deep=True), list(lines))
            return False
        if self._unrecorded and task.status in FINAL_STATUSES:
            self._spawn(self._retry_unrecorded())
        return True

    async def _retry_unrecorded(self) -> None:
        for task_id, (task, lines) in list(self._unrecorded.items()):
            with contextlib.suppress(Exception):
                await self.store.save(task, lines, done=True)
                self._unrecorded.pop(task_id, None)

    # --- reports from runs -----------------------------------------------------------------

    def publish(self, task: Task) -> None:
        if self.pubsub.count(task.id):
            self.pubsub.publish(task.id, task.model_dump_json())

    def persist(self, run: TaskRun) -> None:
        """Write a running task's batched logs and progress (not awaited: nothing waits)."""
        if run.finalized:
            return
        future = self.store.save(run.task, run.take_unsaved(), sync=False)
        asyncio.ensure_future(future).add_done_callback(lambda f: self._persisted(run, f))

    def _persisted(self, run: TaskRun, future: asyncio.Future[None]) -> None:
        exc = None if future.cancelled() else future.exception()
        if exc is None or run.finalized:
            return
        detail = exc.detail if isinstance(exc, TaartError) else repr(exc)
        log.error("could not record the logs of task %s: %s", run.id, detail)
        self._stop(run, f"{run.task.action} was stopped: its log could not be recorded ({detail})")

    def record_process(self, run: TaskRun, pid: int, args: Sequence[str]) -> None:
        future = asyncio.ensure_future(self.store.add_process(run.id, pid, args))
        future.add_done_callback(lambda f: self._persisted(run, f))

    def _stop(self, run: TaskRun, reason: str, *, by_user: bool = False) -> None:
        if run.stop_reason is None:
            run.stop_reason = reason
        run.cancel_requested = run.cancel_requested or by_user
        if run.started and run.asyncio_task is not None and not run.asyncio_task.done():
            run.asyncio_task.cancel()
        # Not started yet: `_execute` sees stop_reason first (a task cancelled before its
        # first step would never run its own clean-up).

    # --- reading ---------------------------------------------------------------------------

    def _in_memory(self, task_id: str) -> Task | None:
        run = self._runs.get(task_id)
        if run is not None:
            return run.task.model_copy(deep=True)
        unrecorded = self._unrecorded.get(task_id)
        return unrecorded[0].model_copy(deep=True) if unrecorded is not None else None

    async def get(self, task_id: str) -> Task:
        task = self._in_memory(task_id) or await self.store.get(task_id)
        if task is None:
            raise NotFound(f"task {task_id} does not exist")
        return task

    async def active(self) -> list[Task]:
        live = [run.task.model_copy(deep=True) for run in self._runs.values()]
        live_ids = {task.id for task in live}
        stored = [task for task in await self.store.active() if task.id not in live_ids]
        return sorted(live + stored, key=lambda task: task.created_at)

    async def history(
        self, *, limit: int, offset: int, vm: str | None, log_tail: int | None = None
    ) -> list[Task]:
        """Newest first; `log_tail` keeps only each log's last lines (None: whole logs)."""
        tasks = await self.store.history(limit=limit, offset=offset, vm=vm, log_tail=log_tail)
        for index, task in enumerate(tasks):
            current = self._in_memory(task.id)
            if current is not None:
                if log_tail is not None:
                    current.logs = current.logs[len(current.logs) - log_tail :] if log_tail else []
                tasks[index] = current
        return tasks

    async def count(self, vm: str | None = None) -> int:
        return await self.store.count(vm)

    def subscribe(self, task_id: str) -> Subscription:
        return self.pubsub.subscribe(task_id)

    def live(self, task_id: str) -> TaskRun | None:
        return self._runs.get(task_id)

    # --- cancelling ------------------------------------------------------------------------

    async def cancel(self, task_id: str) -> Task:
        """Stop a pending or running task (tart gets SIGINT, as Ctrl+C); 409 if it ended."""
        run = self._runs.get(task_id)
        if run is None:
            task = await self.get(task_id)
            if task.status in FINAL_STATUSES:
                raise Conflict(f"task {task_id} has already {task.status}: nothing to cancel")
            raise Conflict(f"task {task_id} is not running in this server")
        self._stop(run, f"{run.task.action} was cancelled by the user", by_user=True)
        if run.asyncio_task is not None:
            await asyncio.wait({run.asyncio_task}, timeout=CANCEL_WAIT)
        return await self.get(task_id)

    async def wait(self, task_id: str) -> Task:
        run = self._runs.get(task_id)
        if run is not None and run.asyncio_task is not None:
            await asyncio.wait({run.asyncio_task})
        return await self.get(task_id)

    # --- start-up, retention and shutdown --------------------------------------------------

    async def recover(self, *, process_grace: float = recovery.PROCESS_GRACE) -> list[Task]:
        """At start: fail what a previous server left unfinished, end its leftover tart
        children (in the background) and apply the retention limits.

        Also undoes a previous `close`: an app's lifespan may run more than once (test
        clients start and stop it around each test).
        """
        self.store.reopen()
        self._closing = False
        self.pubsub.closed = False
        failed = await recovery.fail_unfinished(self.store)
        leftovers = await recovery.leftover_processes(self.store)
        if leftovers:
            signalled = recovery.interrupt_leftovers(leftovers)
            self._spawn(recovery.watch_leftovers(self.store, leftovers, signalled, process_grace))
        await self.prune()
        return failed

    async def prune(self) -> int:
        self._pruned_at = time.monotonic()
        if not self.retention_count and self.retention_age is None:
            return 0
        removed = await self.store.prune(keep=self.retention_count, max_age=self.retention_age)
        if removed:
            log.info("retention: removed %d old tasks from the history", removed)
        return removed

    def _maybe_prune(self) -> None:
        if not self._closing and time.monotonic() - self._pruned_at >= PRUNE_INTERVAL:
            self._spawn(self.prune())

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task-store work failed: %r", task.exception())

    @property
    def closing(self) -> bool:
        return self._closing

    def begin_shutdown(self) -> None:
        """Stop taking work, interrupt running tasks, tell WebSocket watchers we are going.

        Synchronous and idempotent: called from the exit-signal hook, before the HTTP server
        closes its connections, so watchers get a normal close rather than a dropped socket.
        """
        if self._closing:
            return
        self._closing = True
        self.pubsub.close_all()
        for run in list(self._runs.values()):
            self._stop(run, f"{run.task.action} was interrupted by a server shutdown")

    async def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Shut down: interrupt tasks, record how each ended, close the store."""
        self.begin_shutdown()
        pending = {run.asyncio_task for run in self._runs.values() if run.asyncio_task}
        if pending:
            await asyncio.wait(pending, timeout=grace)
        for run in list(self._runs.values()):
            if run.finalized:
                continue
            # Its tart did not exit in time: record the interruption now; the process rows
            # stay, so the next start ends the child if it is still there.
            run.finalized = True
            run.cancel_timers()
            reason = run.stop_reason or f"{run.task.action} was interrupted by a server shutdown"
            run.task.status, run.task.error, run.task.updated_at = "failed", reason, time.time()
            run.task.logs.append(f"error: {reason}")
            await self._record(run.task, [*run.take_unsaved(), f"error: {reason}"], done=False)
        for task in list(self._background):
            task.cancel()
        if self._unrecorded:
            await self._retry_unrecorded()
        await self.store.close()
