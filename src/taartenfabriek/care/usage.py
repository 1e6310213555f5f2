"""Live usage: the CPU and memory of each running VM's guest process, the guest's own load
(through the Guest Agent, for VMs whose details are open), and the host's CPU, memory and
free disk, sampled while a page watches and pushed to every watching page.

Nothing samples while no page watches: the first watcher starts the loop, the last one
leaving ends it. A sample is taken at most every `MIN_INTERVAL` s whatever the watchers ask,
and the guest at most every `GUEST_INTERVAL` s per VM. The ten minutes kept per VM feed the
sparklines: a page gets them when it connects, then one sample per tick. Only the cached
inventory says which VMs run (no `tart list` here); the only `tart` this starts is `tart exec`
for a VM whose details a page has open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from .guestproc import GUEST_SCRIPT, ProcessFinder, parse_guest

log = logging.getLogger(__name__)

MIN_INTERVAL = 2.0
GUEST_INTERVAL = 10.0
GUEST_TIMEOUT = 8.0
WINDOW = 600.0
"""Seconds of history kept per VM (the sparkline's width)."""
WATCHER_QUEUE = 16


class ProcessUsage(BaseModel):
    pid: int
    process: str = Field(
        ...,
        description="`com.apple.Virtualization.VirtualMachine` (the guest's own process on a "
        "Mac) or `tart run` (where that could not be found).",
    )
    cpu_percent: float | None = Field(
        None, description="Of one core, like top (may pass 100); null on the first sample."
    )
    memory: int = Field(..., description="Resident memory in bytes.")


class GuestUsage(BaseModel):
    at: float
    load: list[float] | None = Field(None, description="1, 5 and 15 minute load averages.")
    memory_total: int | None = None
    memory_available: int | None = None
    disk_total: int | None = None
    disk_used: int | None = None
    error: str | None = Field(None, description="Why the guest did not answer.")


class VMUsage(BaseModel):
    name: str
    process: ProcessUsage | None = None
    guest: GuestUsage | None = None


class HostUsage(BaseModel):
    cpu_percent: float = Field(..., description="All cores, 0-100.")
    memory_percent: float = Field(..., description="In use (total minus available), 0-100.")
    memory_total: int
    memory_available: int
    disk_free: int | None = Field(None, description="Free bytes where TART_HOME is.")
    disk_total: int | None = None


class UsageSample(BaseModel):
    type: Literal["sample"] = "sample"
    at: float
    interval: float
    host: HostUsage
    vms: list[VMUsage]


class UsageHistory(BaseModel):
    """Sent first: the last ten minutes, `[time, cpu %, memory bytes]` per point."""

    type: Literal["history"] = "history"
    window: float
    interval: float
    vms: dict[str, list[tuple[float, float | None, int]]]


# --- the math ----------------------------------------------------------------------------


def cpu_percent(before: tuple[float, float] | None, now: tuple[float, float]) -> float | None:
    """CPU % of one core between two (cpu seconds, wall seconds) readings; None without a
    previous reading, or when the clock did not move (or the process is new: cpu went back)."""
    if before is None:
        return None
    cpu = now[0] - before[0]
    wall = now[1] - before[1]
    if wall <= 0 or cpu < 0:
        return None
    return round(100.0 * cpu / wall, 1)


def memory_percent(total: int, available: int) -> float:
    return round(100.0 * (total - available) / total, 1) if total > 0 else 0.0


@dataclass
class History:
    """Points of one VM within the window, oldest first."""

    window: float = WINDOW
    points: deque[tuple[float, float | None, int]] = field(default_factory=deque)

    def add(self, at: float, cpu: float | None, memory: int) -> None:
        self.points.append((at, cpu, memory))
        while self.points and self.points[0][0] < at - self.window:
            self.points.popleft()


# --- the sampler -------------------------------------------------------------------------

GuestRunner = Callable[[str, str], Awaitable[str]]
"""(vm name, script) -> awaitable stdout of `tart exec <vm> sh -c <script>`."""


@dataclass(eq=False)
class Watcher:
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(WATCHER_QUEUE))
    details: str | None = None
    """The VM whose details this page has open (its guest is asked every 10 s)."""


class UsageSampler:
    def __init__(
        self,
        *,
        running: Callable[[], list[str]],
        run_pids: Callable[[Iterable[str]], Mapping[str, int]],
        tart_home: Path | None,
        guest: GuestRunner | None,
        interval: float = MIN_INTERVAL,
    ) -> None:
        self.running = running
        self.run_pids = run_pids
        self.tart_home = tart_home
        self.guest_runner = guest
        self.interval = max(MIN_INTERVAL, interval)
        self.finder = ProcessFinder(tart_home)
        self.watchers: set[Watcher] = set()
        self.history: dict[str, History] = {}
        self.guest: dict[str, GuestUsage] = {}
        self._cpu: dict[tuple[int, float], tuple[float, float]] = {}
        self._guest_asked: dict[str, float] = {}
        self._guest_tasks: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self.samples = 0

    @contextlib.asynccontextmanager
    async def watch(self) -> AsyncIterator[Watcher]:
        """A page watching: its queue gets the history now, then every sample."""
        watcher = Watcher()
        watcher.queue.put_nowait(self._history().model_dump_json())
        self.watchers.add(watcher)
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run())
        try:
            yield watcher
        finally:
            self.watchers.discard(watcher)
            if not self.watchers and self._loop is not None:
                self._loop.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._loop
                self._loop = None

    def _history(self) -> UsageHistory:
        running = set(self.running())
        return UsageHistory(
            window=WINDOW,
            interval=self.interval,
            vms={name: list(h.points) for name, h in self.history.items() if name in running},
        )

    async def _run(self) -> None:
        while self.watchers:
            started = time.monotonic()
            try:
                sample = await self.sample()
            except Exception:
                log.exception("usage sample failed")
            else:
                payload = sample.model_dump_json()
                for watcher in list(self.watchers):
                    if watcher.queue.full():  # a page that does not read: drop its oldest
                        with contextlib.suppress(asyncio.QueueEmpty):
                            watcher.queue.get_nowait()
                    watcher.queue.put_nowait(payload)
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def sample(self) -> UsageSample:
        names = self.running()
        self._ask_guests(names)
        host, vms = await asyncio.to_thread(self._measure, names)
        self.samples += 1
        return UsageSample(at=time.time(), interval=self.interval, host=host, vms=vms)

    def _measure(self, names: list[str]) -> tuple[HostUsage, list[VMUsage]]:
        import psutil

        found = self.finder.find(names, self.run_pids(names))
        now = time.time()
        vms: list[VMUsage] = []
        seen: set[tuple[int, float]] = set()
        for name in names:
            usage = VMUsage(name=name, guest=self.guest.get(name))
            pair = found.get(name)
            if pair is not None:
                process, kind = pair
                try:
                    with process.oneshot():
                        times = process.cpu_times()
                        rss = int(process.memory_info().rss)
                        key = (process.pid, process.create_time())
                except psutil.Error:
                    pair = None
                else:
                    reading = (float(times.user + times.system), time.monotonic())
                    cpu = cpu_percent(self._cpu.get(key), reading)
                    self._cpu[key] = reading
                    seen.add(key)
                    usage.process = ProcessUsage(
                        pid=process.pid, process=kind, cpu_percent=cpu, memory=rss
                    )
                    self.history.setdefault(name, History()).add(now, cpu, rss)
            vms.append(usage)
        for key in list(self._cpu):
            if key not in seen:
                del self._cpu[key]
        for name in list(self.history):
            if name not in names:
                del self.history[name]
        memory = psutil.virtual_memory()
        disk = None
        if self.tart_home is not None:
            with contextlib.suppress(OSError):
                disk = shutil.disk_usage(self.tart_home)
        host = HostUsage(
            cpu_percent=float(psutil.cpu_percent(interval=None)),
            memory_percent=memory_percent(int(memory.total), int(memory.available)),
            memory_total=int(memory.total),
            memory_available=int(memory.available),
            disk_free=disk.free if disk else None,
            disk_total=disk.total if disk else None,
        )
        return host, vms

    # --- the guest, for VMs whose details are open ------------------------------------------

    def _ask_guests(self, running: list[str]) -> None:
        if self.guest_runner is None:
            return
        open_details = {w.details for w in self.watchers if w.details in running}
        now = time.monotonic()
        for name in open_details:
            assert name is not None
            busy = self._guest_tasks.get(name)
            if busy is not None and not busy.done():
                continue
            if now - self._guest_asked.get(name, -GUEST_INTERVAL) < GUEST_INTERVAL:
                continue
            self._guest_asked[name] = now
            self._guest_tasks[name] = asyncio.create_task(self._ask_guest(name))
        for name in list(self.guest):
            if name not in running:
                del self.guest[name]

    async def _ask_guest(self, name: str) -> None:
        assert self.guest_runner is not None
        try:
            text = await asyncio.wait_for(self.guest_runner(name, GUEST_SCRIPT), GUEST_TIMEOUT)
        except Exception as exc:  # no agent, not running, a timeout: said, not raised
            message = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
            self.guest[name] = GuestUsage(at=time.time(), error=str(message)[:300])
            return
        self.guest[name] = GuestUsage(at=time.time(), **parse_guest(str(text)))
