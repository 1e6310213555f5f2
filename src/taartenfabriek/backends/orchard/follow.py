"""Task progress from Orchard: the VM's watch stream, and its events as task log lines.

Orchard is declarative: a request only records what should be, and a worker catches up.
A task therefore follows `GET /v1/vms/{n}?watch=true` (NDJSON, pushed on every store write)
until the VM settles, logging what changes on the way (placement, `status_message`,
restarts), while the VM's events (startup-script output, the only logs Orchard keeps) are
paged in the background with the cursor protocol of orchard-api.md §9.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ...core.errors import BackendUnavailable, NotFound, TaartError
from ..base import TaskContext
from .client import OrchardClient
from .mapping import phase

Json = dict[str, Any]

EVENTS_PAGE = 100
RECONNECT_DELAY = 1.0
PROGRESS = {
    "pulling VM image...": 10.0,
    "cloning VM...": 40.0,
    "configuring VM...": 70.0,
}


class Follower:
    """Follows one VM for one task; use as `async with Follower(...) as f: await f.until(...)`."""

    def __init__(
        self,
        client: OrchardClient,
        name: str,
        ctx: TaskContext,
        *,
        known: Json | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self.client = client
        self.name = name
        self.ctx = ctx
        self.poll_interval = poll_interval
        self.last: Json | None = known
        """The VM as last seen; only what changes from it is logged."""
        self._cursor: str | None = None
        self._seen = 0
        self._changed = asyncio.Event()
        self._ended: TaartError | None = None
        """Why the watch stopped for good (the VM was deleted, or a non-transient error)."""
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Follower:
        self._tasks = [
            asyncio.create_task(self._watch_loop()),
            asyncio.create_task(self._events_loop()),
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if exc_type is None:
            with contextlib.suppress(TaartError):
                await self.poll_events()  # the lines written just before the VM settled

    # --- the VM ----------------------------------------------------------------------------

    async def until(self, done: Callable[[Json], bool], timeout: float) -> Json | None:
        """The VM once `done(vm)` holds; None if `timeout` seconds pass first.

        One stream serves every `until` of this follower, so no change falls between two
        waits; the VM's deletion ends the wait with NotFound.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    if self._ended is not None:
                        raise self._ended
                    if self.last is not None and done(self.last):
                        return self.last
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            return None

    async def _watch_loop(self) -> None:
        """Keep one watch open; a dropped stream (controller restart) is reopened, and its
        first line is the current state, so nothing is lost but intermediate steps."""
        while True:
            try:
                async with contextlib.aclosing(self.client.watch_vm(self.name)) as stream:
                    async for kind, vm in stream:
                        if kind == "DELETED":
                            raise NotFound(f"VM {self.name!r} was deleted from Orchard")
                        self._observe(vm)
                        self._changed.set()
            except BackendUnavailable as exc:
                if exc.status_code not in (503, 504):  # not an outage: retrying cannot help
                    self._ended = exc
                    self._changed.set()
                    return
                self.ctx.log(f"lost the watch on {self.name}: {exc.detail}; retrying")
            except TaartError as exc:
                self._ended = exc
                self._changed.set()
                return
            await asyncio.sleep(RECONNECT_DELAY)

    def _observe(self, vm: Json) -> None:
        before = self.last or {}
        self.last = vm
        worker = vm.get("worker")
        if worker and worker != before.get("worker"):
            self.ctx.log(
                f"placed on worker {worker} (cpu {vm.get('assignedCPU', '?')}, "
                f"memory {vm.get('assignedMemory', '?')} MB)"
            )
        restarts = vm.get("restart_count") or 0
        if restarts and restarts != (before.get("restart_count") or 0):
            self.ctx.log(f"Orchard restarted the VM after a failure (restart {restarts})")
        message = vm.get("status_message")
        if message and message != before.get("status_message"):
            self.ctx.log(f"{worker or 'orchard'}: {message}")
            if message in PROGRESS:
                self.ctx.set_progress(PROGRESS[message])
        current, previous = phase(vm), phase(before) if before else None
        if current != previous:
            self.ctx.log(f"{self.name} is {current}")

    # --- its events ------------------------------------------------------------------------

    async def _events_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.poll_events()
            except NotFound:
                return
            except TaartError:
                continue

    async def poll_events(self) -> None:
        """Log events not logged yet: page on with the cursor, re-read the last page."""
        while True:
            events, next_cursor = await self.client.events(
                self.name, cursor=self._cursor, limit=EVENTS_PAGE
            )
            for event in events[self._seen :]:
                if event.get("kind", "log_line") == "log_line":
                    self.ctx.log(f"startup script: {event.get('payload', '')}")
            if next_cursor is None:
                self._seen = len(events)
                return
            self._cursor, self._seen = next_cursor, 0
