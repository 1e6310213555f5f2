"""`TaskRun`: a running task's handle, the `TaskContext` a backend reports into.

Reports are cheap and synchronous (a backend calls them from an output callback); the run
batches them twice: subscribers hear of changes at most every `FLUSH_DELAY` seconds, and the
store is written at most every `PERSIST_DELAY` seconds. A status change bypasses both batches
(the engine records it at once).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..core.models import Task
from .store import MAX_LINE_CHARS, MAX_LOG_LINES

if TYPE_CHECKING:
    from .engine import TaskEngine

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

PERSIST_DELAY = 0.25
"""Seconds log lines and progress are gathered before they are written to the store."""


class TaskRun:
    def __init__(self, engine: TaskEngine, task: Task) -> None:
        self.engine = engine
        self.task = task
        self.pids: list[int] = []
        self.asyncio_task: asyncio.Task[None] | None = None
        self.started = False
        self.cancel_requested = False
        """True when the user cancelled (not when the server is merely shutting down)."""
        self.stop_reason: str | None = None
        """Why the task is being stopped before its end (cancel, shutdown, storage failure)."""
        self.finalized = False
        """Its final state is recorded: later writes would only repeat or contradict it."""
        self._unsaved: list[str] = []
        self._flush: asyncio.Handle | None = None
        self._tokens = float(FLUSH_BURST)
        self._tokens_at = 0.0
        self._persist: asyncio.TimerHandle | None = None

    @property
    def id(self) -> str:
        return self.task.id

    # --- TaskContext -----------------------------------------------------------------------

    def log(self, line: str) -> None:
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + " [line cut]"
        for buffer in (self.task.logs, self._unsaved):
            buffer.append(line)
            if len(buffer) > MAX_LOG_LINES:
                del buffer[: len(buffer) - MAX_LOG_LINES]
        self._changed()

    def set_command(self, argv: list[str]) -> None:
        self.task.command = list(argv)
        self._changed()

    def set_progress(self, percent: float | None) -> None:
        self.task.progress = percent
        self._changed()

    def add_pid(self, pid: int) -> None:
        """Record a `tart` child the moment it starts; the command it runs was just set."""
        self.pids.append(pid)
        self.engine.record_process(self, pid, (self.task.command or [])[1:])

    # --- batching --------------------------------------------------------------------------

    def _changed(self) -> None:
        loop = asyncio.get_running_loop()
        if self._flush is None:
            tokens = self._refill(loop.time())
            if tokens >= 1:
                self._flush = loop.call_soon(self._flush_now)
            else:
                self._flush = loop.call_later((1 - tokens) * FLUSH_DELAY, self._flush_now)
        if self._persist is None:
            self._persist = loop.call_later(PERSIST_DELAY, self._persist_now)

    def _refill(self, now: float) -> float:
        self._tokens = min(FLUSH_BURST, self._tokens + (now - self._tokens_at) / FLUSH_DELAY)
        self._tokens_at = now
        return self._tokens

    def _flush_now(self) -> None:
        self._flush = None
        self._refill(asyncio.get_running_loop().time())
        self._tokens -= 1
        self.task.updated_at = time.time()
        self.engine.publish(self.task)

    def _persist_now(self) -> None:
        self._persist = None
        self.engine.persist(self)

    def take_unsaved(self) -> list[str]:
        """Log lines not yet handed to the store (handing them over is the caller's job)."""
        lines, self._unsaved = self._unsaved, []
        return lines

    def cancel_timers(self) -> None:
        for handle in (self._flush, self._persist):
            if handle is not None:
                handle.cancel()
        self._flush = self._persist = None
