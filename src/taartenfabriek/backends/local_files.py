"""The local backend's reads of `$TART_HOME` itself, and when they may be trusted.

A part of `LocalBackend` (it holds one). Tart's files say what a VM is (tart/vmdir.py) in
microseconds where `tart` costs a process, but only where `tart` keeps its VMs in the
`TART_HOME` this server knows: a stand-in that keeps them elsewhere, or marks running VMs some
other way, must be asked instead. So every verdict here is earned against what `tart list`
reported:

- the locks (`peek`) once a VM `tart list` calls running shows its lock holder;
- the folders (the watcher, `watch_status`) while every local VM `tart list` reports has its
  folder in `vms/`;
- a VM's details (CPU, memory, OS, display: tart/vmconfig.py) while its files add up to the
  disk size `tart list` printed for it (Tart computes both the same way); a VM whose files
  disagree or whose config.json Tart itself could not decode gets them from `tart get`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from ..core.models import VM
from ..tart import vmconfig, vmdir
from ..tart.parse import ListEntry, config_fields
from .local_watch import Changed, LocalWatch

WatchMode = Literal["files", "periodic"]


class LocalFiles:
    def __init__(self) -> None:
        self.tart_home: Path | None = None
        """TART_HOME, when known (set by the assembly): lets the files be read."""
        self.disk_agrees = False
        """Whether TART_HOME's lock files have shown the running VMs `tart list` reported."""
        self.dirs_agree: bool | None = None
        """Whether every local VM of the last `tart list` has its folder in TART_HOME (None:
        not compared yet)."""
        self.locks_disagree = False
        """Whether `tart list` reported running VMs none of whose locks is held here."""
        self.watcher: LocalWatch | None = None
        self._details: dict[str, tuple[vmconfig.Stamp, dict[str, Any] | None]] = {}
        """Each VM's details from its files, kept while its files' stamp stays the same."""
        self._trusted: dict[str, dict[str, Any]] = {}
        self._listed_state: dict[str, str] = {}

    def peek(self, name: str) -> vmdir.OnDisk | None:
        """The VM's state from TART_HOME's files and locks (microseconds; a `tart get` costs
        a process), once they have been seen to agree with `tart list` here. Until then, or
        with a Tart stand-in that marks running VMs some other way, None: ask tart."""
        if self.tart_home is None or not self.disk_agrees:
            return None
        return vmdir.read(self.tart_home, name)

    def compare_with_disk(self, running: list[str]) -> None:
        """Trust `peek` while every VM `tart list` says is running shows its lock holder in
        TART_HOME; stop trusting it when none does (a VM that stopped in between is a race,
        not a disagreement, so a mixed answer keeps the previous verdict)."""
        if self.tart_home is None or not running:
            return
        held = [
            path is not None and vmdir.lock_holder(path / "config.json") != 0
            for path in (vmdir.vm_path(self.tart_home, name) for name in running)
        ]
        if all(held):
            self.disk_agrees = True
        elif not any(held):
            self.disk_agrees = False
        self.locks_disagree = not self.disk_agrees

    def compare_dirs(self, local: list[str]) -> None:
        """Do the local VMs `tart list` reported live in this TART_HOME's `vms/`? One
        `scandir`; a VM made or removed between the list and now is too rare to matter,
        and the next refresh compares again."""
        if self.tart_home is None:
            return
        try:
            with os.scandir(self.tart_home / "vms") as entries:
                folders = {entry.name for entry in entries}
        except OSError:
            folders = set()
        self.dirs_agree = all(name in folders for name in local)

    def details_from_files(self, entries: list[ListEntry]) -> dict[str, dict[str, Any]]:
        """`tart get`'s shown fields of the local VMs `tart list` reported whose files agree
        with it: three stats a VM, and config.json read again only when it changed. None at
        all while one of them has no folder here (a same-named VM here is not that VM)."""
        if self.tart_home is None:
            return {}
        kept: dict[str, tuple[vmconfig.Stamp, dict[str, Any] | None]] = {}
        found: dict[str, dict[str, Any]] = {}
        for entry in entries:
            path = vmdir.vm_path(self.tart_home, entry.name)
            if entry.source.lower() != "local" or path is None:
                continue
            now = vmconfig.stamp(str(path))
            known = self._details.get(entry.name)
            if now is None:  # tart knows a VM this TART_HOME lacks: its VMs are elsewhere
                return {}
            if known is None or known[0] != now:
                read = vmconfig.read(str(path))
                if read is None:
                    continue
                known = read
            kept[entry.name] = known
            files, shown = known
            if shown is not None and entry.disk in (None, files.disk_gb):
                found[entry.name] = shown
        self._details = kept
        self._trusted = found
        self._listed_state = {entry.name: entry.state for entry in entries}
        return found

    def known_config(self, name: str) -> dict[str, Any] | None:
        """The VM's `tart get --format json` from its files, when the last list trusted
        them (see `details_from_files`): the shown fields, the allocated size (Get.swift:30:
        allocatedSizeBytes / 10^9, "%.3f"; VMDirectory.swift:278) and the state (`peek`, else
        the last list's). None: ask `tart get`."""
        shown = self._trusted.get(name)
        path = None if self.tart_home is None else vmdir.vm_path(self.tart_home, name)
        if shown is None or path is None:
            return None
        try:
            allocated = sum(os.stat(path / file).st_blocks * 512 for file in vmdir.FILES)
        except OSError:
            return None
        seen = self.peek(name)
        state = seen.state if seen is not None else self._listed_state.get(name, "unknown")
        return {
            **shown,
            "Size": f"{allocated / 1e9:.3f}",
            "Running": state == "running",
            "State": state,
        }

    def with_details(self, vms: list[VM], details: dict[str, dict[str, Any]]) -> list[VM]:
        out = []
        for vm in vms:
            raw = details.get(vm.name)
            if raw is not None:
                fields = config_fields(raw)
                update = {key: fields[key] for key in ("os", "cpu", "memory", "display")}
                vm = vm.model_copy(update=update)
            out.append(vm)
        return out

    def watch(self, changed: Changed) -> None:
        """Tell `changed` whenever the files show a VM or image changed (local_watch.py)."""
        if self.tart_home is None or self.watcher is not None:
            return
        self.watcher = LocalWatch(self.tart_home, changed)
        self.watcher.start()

    @contextlib.asynccontextmanager
    async def listing(self) -> AsyncIterator[None]:
        """Around a `tart list`: the watcher looks for changes from its start, and reports
        at once what changed while it ran (LocalWatch.rebase, LocalWatch.recheck)."""
        watcher = self.watcher
        if watcher is not None:
            await asyncio.to_thread(watcher.rebase)  # a lock read a VM: off the event loop
        try:
            yield
        finally:
            differ = await asyncio.to_thread(watcher.recheck) if watcher else frozenset()
            if differ and watcher is not None and watcher is self.watcher:
                watcher.changed(differ)

    def watch_status(self) -> tuple[WatchMode, str]:
        """Whether outside changes are seen as they happen ("files") or at the next periodic
        refresh ("periodic"), and why."""
        if self.tart_home is None or self.watcher is None:
            return "periodic", "the VM folders are not watched"
        if self.dirs_agree is False:
            return "periodic", (
                f"tart keeps its VMs outside {self.tart_home}: changes made outside this "
                "server show at the next periodic refresh"
            )
        if self.locks_disagree:
            return "periodic", "tart marks running VMs without a lock on their config.json"
        return "files", f"watching {self.tart_home / 'vms'} and the VMs' locks"

    async def close_watch(self) -> None:
        if self.watcher is not None:
            await self.watcher.close()
            self.watcher = None
