"""The inventory follows VMs that change outside its own tasks.

A `tart stop` typed at a terminal ends the VM's VNC server and shell a moment before its
`tart run` process lets go of the VM's lock, so a refresh made the instant the console notices
still reads the VM as running, and with the periodic refresh off nothing looked again.
`Follower.follow` looks at the VM's lock (in-process, `Backend.peek`) until it is gone, and
only then refreshes; where the files cannot be trusted it asks `tart list` again, less often
each time, until Tart agrees or `FOLLOW_FOR` has passed.

`OutsideChanges` takes the backend's own news (`Backend.watch`: for the local backend, the
VMs' locks and folders) and refreshes the inventory when something changed, so a VM started,
stopped, cloned, renamed or deleted at a terminal shows without the periodic refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

from ..backends.base import Backend
from ..core.errors import TaartError
from ..core.models import VM


class Inventory(Protocol):
    """What following and watching need of the inventory (service.py), named here so the two
    modules do not import each other."""

    @property
    def backend(self) -> Backend: ...

    def invalidate(self, *names: str) -> None: ...

    async def refresh(self, *, background: bool = False) -> list[VM]: ...

    def find(self, name: str) -> VM | None: ...


FOLLOW_FOR = 60.0
"""How long a stopping VM is followed: `tart stop` waits 30 s for the guest by default
(tart-cli.md §4), then ends the run; twice that leaves room for a busy Mac."""
LOCK_POLL = 0.2
"""Seconds between two reads of the VM's lock (a few microseconds each)."""
SETTLE = 0.1
"""Seconds a change waits for its siblings (a clone or a rename moves several entries)."""
TART_BACKOFF_MAX = 5.0
"""Longest pause between two `tart list` while the files cannot be trusted."""


class Follower:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._following: dict[str, asyncio.Task[None]] = {}

    def follow(self, name: str) -> None:
        """Someone saw `name` stop (the console, the terminal): keep looking at it until
        the inventory shows it stopped. One follower per VM; calling again is free."""
        task = self._following.get(name)
        if task is not None and not task.done():
            return
        task = asyncio.create_task(self._follow(name))
        self._following[name] = task
        task.add_done_callback(lambda done: self._forget(name, done))

    def _forget(self, name: str, task: asyncio.Task[None]) -> None:
        if self._following.get(name) is task:
            del self._following[name]

    async def _follow(self, name: str) -> None:
        inventory = self.inventory
        deadline = time.monotonic() + FOLLOW_FOR
        pause = LOCK_POLL
        while True:
            seen = inventory.backend.peek(name)
            if seen is None or seen.state != "running":
                # the lock is gone (or cannot be read): a `tart list` begun before now may
                # still have seen it held, so this one must start afresh
                inventory.invalidate()
                with contextlib.suppress(TaartError):
                    await inventory.refresh()
                vm = inventory.find(name)
                if vm is None or vm.status != "running":
                    return
            if time.monotonic() >= deadline:
                return
            await asyncio.sleep(pause)
            if seen is None:
                pause = min(pause * 2, TART_BACKOFF_MAX)

    @property
    def following(self) -> list[str]:
        return sorted(name for name, task in self._following.items() if not task.done())

    async def close(self) -> None:
        tasks = list(self._following.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class OutsideChanges:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.seen = 0
        """Changes reported by the backend (for tests and the benchmark)."""
        self._pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.inventory.backend.watch(self.changed)

    def changed(self, names: frozenset[str]) -> None:
        self.seen += 1
        self._pending.update(names)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._settle())

    async def _settle(self) -> None:
        """One refresh for a burst of changes, and another for changes during it."""
        while self._pending:
            await asyncio.sleep(SETTLE)
            self._pending.clear()
            self.inventory.invalidate()
            with contextlib.suppress(Exception):  # logged and shown by the refresh itself
                await self.inventory.refresh(background=True)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
