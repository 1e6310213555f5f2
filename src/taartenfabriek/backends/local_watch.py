"""Noticing what happens to local VMs outside this server, without running `tart`.

Tart keeps no daemon: a VM is its folder in `$TART_HOME/vms` and "running" is a lock on its
`config.json` (tart-cli.md §3; Tart's VMDirectory.swift:49-70 `running()`, `state()`). So a
`tart run`, `stop`, `clone`, `rename` or `delete` typed at a terminal shows in the files at
once, and two cheap readers see it:

- a poll of every VM folder's lock state about once a second (`vmdir.glance_all`: one
  `open` + `F_GETLK` + `close` a VM, in a worker thread): starts and stops, and folders that
  appear or go;
- a filesystem watcher (watchdog: FSEvents on macOS, inotify on Linux) on `vms/` and on the
  OCI cache's top folder, not recursively, for folders created, removed or moved at once;
- the OCI cache's tags and digests, listed with the same poll down to the folders that hold
  them (`oci_entries`), for pulls and deletes of images.

Never recursively: a recursive watch lists every folder it watches, inside a VM or image as
well, and listing a folder moves its access date, by which `tart prune` picks what to remove
(Tart's Prune.swift:80-86, by access date); and a running VM writes its disk all the time.

Each change calls `changed` on the event loop with the names it concerns ("" for the OCI
cache); the inventory refreshes. Neither reader decides a VM's state: that stays `tart list`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ..tart import vmdir

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
WATCHED_EVENTS: list[type[FileSystemEvent]] = [
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
]
"""Only what makes or removes a VM or image; reads (and `tart list`'s own) raise none."""

Changed = Callable[[frozenset[str]], None]


class _Handler(FileSystemEventHandler):
    def __init__(self, vms: Path, report: Callable[[str], None]) -> None:
        self.vms = str(vms)
        self.report = report

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [event.src_path, getattr(event, "dest_path", "")]
        for raw in paths:
            path = raw.decode() if isinstance(raw, bytes) else raw
            if not path:
                continue
            parent, _, name = path.rpartition("/")
            self.report(name if parent == self.vms else "")


def oci_entries(tart_home: Path) -> frozenset[tuple[str, int]]:
    """The OCI cache's entries (tag links and `sha256:` digest folders, tart-cli.md §3) with
    their inode: lists `cache/OCIs/<host>/<namespace...>` but never an image's own folder
    (see above). A handful of `scandir` for a handful of images."""
    found: set[tuple[str, int]] = set()
    pending = [str(tart_home / "cache" / "OCIs")]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink() or entry.name.startswith("sha256:"):
                found.add((entry.path, entry.inode()))
            elif entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
    return frozenset(found)


class LocalWatch:
    def __init__(self, tart_home: Path, changed: Changed, *, interval: float = POLL_INTERVAL):
        self.tart_home = tart_home
        self.changed = changed
        self.interval = interval
        self.polls = 0
        self.observing: list[str] = []
        """The folders the filesystem watcher follows (empty: it could not start)."""
        self._task: asyncio.Task[None] | None = None
        self._observer: BaseObserver | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broken = False
        self._before: dict[str, vmdir.State | None] = {}
        self._images: frozenset[tuple[str, int]] = frozenset()
        self._base = 0
        """Bumped by `rebase`: a poll begun before it compares with an older look."""

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.rebase()
        self._task = asyncio.create_task(self._poll())

    def rebase(self) -> None:
        """Compare the next polls with the files as they are now: called as a `tart list`
        begins (and at start, before the first one), so the poll's question is "did anything
        change since the inventory last looked?" rather than "since my last poll?". The
        second misses a change the list saw and that then went back between two polls: a
        pull and a delete in the server's first second left the pulled image shown for
        good (test_pulled_and_deleted_images_show). A few `scandir` and one lock read a VM.
        """
        self._base += 1  # first: a poll under way must not then replace this look
        self._before = vmdir.glance_all(self.tart_home, self._before)
        self._images = oci_entries(self.tart_home)

    def recheck(self) -> frozenset[str]:
        """The `tart list` begun at `rebase` ended: it read the files at some moment in
        between (the real tart within milliseconds, a stand-in's interpreter later), so what
        changed since `rebase` may or may not be in its answer. Returns those names, for
        `changed`, rather than leave them to a poll that would compare with this newer look
        and see nothing. From a worker thread, like `rebase`."""
        before, images = self._before, self._images
        self.rebase()
        differ = self._differ(before, self._before)
        return differ | {""} if images != self._images else differ

    @staticmethod
    def _differ(
        before: dict[str, vmdir.State | None], now: dict[str, vmdir.State | None]
    ) -> frozenset[str]:
        return frozenset(n for n in before.keys() | now.keys() if before.get(n) != now.get(n))

    def _observe(self) -> bool:
        """Watch `vms/` and `cache/OCIs` as soon as they exist (Tart makes them on first
        use); True when one was added, which is itself a change. The poll covers `vms/`
        regardless."""
        vms = self.tart_home / "vms"
        targets = [(vms, False), (self.tart_home / "cache" / "OCIs", False)]
        missing = [(f, r) for f, r in targets if str(f) not in self.observing and f.is_dir()]
        if not missing or self._broken:
            return False
        if self._observer is None:
            self._observer = Observer()
            self._observer.daemon = True
            try:
                self._observer.start()
            except (OSError, RuntimeError) as exc:  # no inotify, say
                self._give_up(exc)
                return False
        handler = _Handler(vms, self._report)
        for folder, recursive in missing:
            try:
                self._observer.schedule(
                    handler, str(folder), recursive=recursive, event_filter=WATCHED_EVENTS
                )
            except OSError as exc:  # e.g. inotify's watch limit
                self._give_up(exc)
                return False
            self.observing.append(str(folder))
        return True

    def _give_up(self, exc: Exception) -> None:
        log.warning("cannot watch %s (%s): the lock poll still runs", self.tart_home, exc)
        self._broken = True

    def _report(self, name: str) -> None:
        """From the watcher's thread: hand the change to the event loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.changed, frozenset({name}))

    async def _poll(self) -> None:
        await asyncio.to_thread(self._observe)  # what it misses meanwhile, the poll sees
        while True:
            await asyncio.sleep(self.interval)
            if len(self.observing) < 2 and await asyncio.to_thread(self._observe):
                self.changed(frozenset({""}))
            base = self._base
            try:
                now = await asyncio.to_thread(vmdir.glance_all, self.tart_home, self._before)
                pulled = await asyncio.to_thread(oci_entries, self.tart_home)
            except Exception:
                log.exception("reading the VMs' locks failed")
                continue
            self.polls += 1
            if base != self._base:
                continue  # a list began meanwhile: its look is newer than this one
            differ = self._differ(self._before, now)
            if pulled != self._images:
                differ |= {""}
            self._before, self._images = now, pulled
            if differ:
                self.changed(differ)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._observer is not None:
            self._observer.stop()
            await asyncio.to_thread(self._observer.join, 5)
            self._observer = None
