"""The local backend's reads of `$TART_HOME` itself, and when they may be trusted.

A mixin of `LocalBackend`. Tart's files say what a VM is (tart/vmdir.py) in microseconds where
`tart` costs a process, but only where `tart` keeps its VMs in the `TART_HOME` this server
knows: a stand-in that keeps them elsewhere, or marks running VMs some other way, must be
asked instead. So every verdict here is earned against what `tart list` reported:

- the locks (`peek`) once a VM `tart list` calls running shows its lock holder;
- the folders (the watcher, `watch_status`) while every local VM `tart list` reports has its
  folder in `vms/`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from ..tart import vmdir
from .local_watch import Changed, LocalWatch

WatchMode = Literal["files", "periodic"]


class LocalFiles:
    tart_home: Path | None
    disk_agrees: bool
    """Whether TART_HOME's lock files have shown the running VMs `tart list` reported."""
    dirs_agree: bool | None
    """Whether every local VM of the last `tart list` has its folder in TART_HOME (None: not
    compared yet)."""
    locks_disagree: bool
    """Whether `tart list` reported running VMs none of whose locks is held here."""
    watcher: LocalWatch | None

    def _init_files(self) -> None:
        self.tart_home = None
        self.disk_agrees = False
        self.dirs_agree = None
        self.locks_disagree = False
        self.watcher = None

    def peek(self, name: str) -> vmdir.OnDisk | None:
        """The VM's state from TART_HOME's files and locks (microseconds; a `tart get` costs
        a process), once they have been seen to agree with `tart list` here. Until then, or
        with a Tart stand-in that marks running VMs some other way, None: ask tart."""
        if self.tart_home is None or not self.disk_agrees:
            return None
        return vmdir.read(self.tart_home, name)

    def _compare_with_disk(self, running: list[str]) -> None:
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

    def _compare_dirs(self, local: list[str]) -> None:
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

    def watch(self, changed: Changed) -> None:
        """Tell `changed` whenever the files show a VM or image changed (local_watch.py)."""
        if self.tart_home is None or self.watcher is not None:
            return
        self.watcher = LocalWatch(self.tart_home, changed)
        self.watcher.start()

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

    async def _close_watch(self) -> None:
        if self.watcher is not None:
            await self.watcher.close()
            self.watcher = None
