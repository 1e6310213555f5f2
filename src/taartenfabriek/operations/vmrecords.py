"""What the user wants for a VM's next start: its remembered start options. One small JSON
file, `<home>/vms.json`, kept across restarts; names match case-insensitively, like Tart's disk.

What *did* happen at a start (argv, pid, start time, the options used, the exit) is recorded
once, in the run's sidecar next to its log (runlogs.py), written when `tart run` is spawned.
The two differ in what they describe and in how long they live: options are a wish that
follows the VM (moved by rename, dropped by delete and when a new VM takes the name), a run
is a fact that stays with its log (a deleted VM's logs stay readable). Files written before
this split also held a `last_run`; it is dropped when read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.annotations import AnnotationsUpdate, VMAnnotations
from ..core.files import write_private
from ..core.models import VM
from .start_options import VMStartOptions

log = logging.getLogger(__name__)

VERSION = 1


class VMRecords:
    def __init__(self, path: Path | None) -> None:
        """`path=None` keeps everything in memory (tests, demo)."""
        self.path = path
        self._vms: dict[str, dict[str, Any]] = {}
        self._load()

    # --- storage ---------------------------------------------------------------------------

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text())
            vms = data.get("vms", {}) if isinstance(data, dict) else {}
            self._vms = {k: v for k, v in vms.items() if isinstance(v, dict)}
            for entry in self._vms.values():
                entry.pop("last_run", None)  # now in the run's own record (runlogs.py)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)

    def _save(self) -> None:
        if self.path is None:
            return
        body = json.dumps({"version": VERSION, "vms": self._vms}, indent=2, sort_keys=True)
        write_private(self.path, body + "\n")

    def _key(self, name: str) -> str | None:
        if name in self._vms:
            return name
        lowered = name.lower()
        return next((key for key in self._vms if key.lower() == lowered), None)

    def _entry(self, name: str, *, create: bool = False) -> dict[str, Any] | None:
        key = self._key(name)
        if key is None:
            if not create:
                return None
            key = name
            self._vms[key] = {}
        return self._vms[key]

    # --- start options ---------------------------------------------------------------------

    def start_options(self, name: str) -> VMStartOptions | None:
        entry = self._entry(name)
        raw = entry.get("start_options") if entry else None
        if raw is None:
            return None
        try:
            return VMStartOptions.model_validate(raw)
        except ValidationError as exc:
            log.warning("dropping unreadable start options of %s: %s", name, exc)
            return None

    def set_start_options(self, name: str, options: VMStartOptions) -> None:
        entry = self._entry(name, create=True)
        assert entry is not None
        entry["start_options"] = options.model_dump(mode="json")
        self._save()

    # --- what the user writes about a VM ---------------------------------------------------

    def annotations(self, name: str) -> VMAnnotations:
        entry = self._entry(name) or {}
        try:
            return VMAnnotations.model_validate(entry.get("annotations") or {})
        except ValidationError as exc:
            log.warning("dropping unreadable notes and labels of %s: %s", name, exc)
            return VMAnnotations()

    def annotate(self, name: str, update: AnnotationsUpdate) -> VMAnnotations:
        current = self.annotations(name)
        changes = update.model_dump(exclude_none=True)
        if "ssh_user" in changes and not changes["ssh_user"]:
            changes["ssh_user"] = None  # "" puts the default back
        merged = current.model_copy(update=changes)
        entry = self._entry(name, create=True)
        assert entry is not None
        entry["annotations"] = merged.model_dump(mode="json")
        self._save()
        return merged

    # --- throwaway copies ------------------------------------------------------------------

    def mark_throwaway(self, name: str, source: str) -> None:
        """The VM is a throwaway copy of `source`: deleted when it stops, even after a crash
        of this server (the mark is on disk before the copy starts)."""
        entry = self._entry(name, create=True)
        assert entry is not None
        entry["throwaway"] = {"source": source}
        self._save()

    def throwaways(self) -> list[str]:
        return [name for name, entry in self._vms.items() if entry.get("throwaway")]

    def decorate(self, vm: VM) -> VM:
        """The inventory's view of a VM plus what this server keeps about it."""
        entry = self._entry(vm.name)
        if not entry:
            if vm.labels or vm.notes or vm.throwaway or vm.ssh_user:
                return vm.model_copy(
                    update={"labels": [], "notes": None, "throwaway": False, "ssh_user": None}
                )
            return vm
        notes = self.annotations(vm.name)
        return vm.model_copy(
            update={
                "labels": notes.labels,
                "notes": notes.notes or None,
                "ssh_user": notes.ssh_user,
                "throwaway": bool(entry.get("throwaway")),
            }
        )

    # --- the VM's name changes -------------------------------------------------------------

    def forget(self, name: str) -> None:
        """The VM is gone (deleted, or its name now belongs to a new VM)."""
        key = self._key(name)
        if key is not None:
            del self._vms[key]
            self._save()

    def rename(self, name: str, new_name: str) -> None:
        key = self._key(name)
        if key is None:
            return
        self._vms[new_name] = self._vms.pop(key)
        self._save()
