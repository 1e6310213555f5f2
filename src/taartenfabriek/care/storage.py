"""Storage: what takes room in TART_HOME, prune with a dry run, and room checks before pulls.

Sizes come from the inventory (`tart list`'s Size, allocated GB), never from extra tart calls.
A prune removes exactly the entries its preview listed, one `tart delete` per entry (an IPSW,
which Tart has no command for, is unlinked): running `tart prune` would re-decide with its
own byte counts and access dates at that moment, which can differ from what the user saw
(cirruslabs/tart#271, "prune pruned my whole cache"). See docs/care.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..backends.base import Backend
from ..core.care_models import (
    PrunePlan,
    PruneRequest,
    StorageItem,
    StorageOverview,
    StorageTotals,
    Volume,
)
from ..core.errors import Conflict, InsufficientStorage, TaartError, Unsupported
from ..core.models import Task
from ..core.names import parse_remote
from ..inventory.service import Inventory
from ..tasks.engine import ClaimMode, TaskEngine, TaskRun
from .imagesize import ImageSizes, SizeUnknown
from .prune import (
    GB,
    IPSWFile,
    Prunable,
    image_prunables,
    ipsw_prunables,
    iso_utc,
    plan,
    vm_prunables,
)

log = logging.getLogger(__name__)

__all__ = ["StorageService"]


def _gb(value: int) -> float:
    return round(value / GB, 1)


class StorageService:
    def __init__(
        self,
        *,
        tart_home: Path,
        backend: Backend,
        inventory: Inventory,
        engine: TaskEngine,
        sizes: ImageSizes,
        free_space_override_gb: float | None = None,
        pull_space_check: bool = True,
        auto_prune: bool = True,
    ) -> None:
        self.tart_home = tart_home
        self.backend = backend
        self.inventory = inventory
        self.engine = engine
        self.sizes = sizes
        self.free_space_override_gb = free_space_override_gb
        self.pull_space_check = pull_space_check
        self.auto_prune = auto_prune
        """Whether `tart` prunes its caches to make room (TART_NO_AUTO_PRUNE not in its env)."""

    def _require_local(self) -> None:
        if self.backend.kind != "local":
            raise Unsupported(
                f"storage is managed on each Mac; the {self.backend.kind} backend has no local "
                "Tart storage here"
            )

    # --- what takes room -----------------------------------------------------------------

    def volume(self) -> Volume:
        probe = self.tart_home
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        usage = shutil.disk_usage(probe)
        free = usage.free
        if self.free_space_override_gb is not None:
            free = int(self.free_space_override_gb * GB)
        return Volume(
            path=str(self.tart_home),
            total_bytes=usage.total,
            used_bytes=usage.used,
            free_bytes=free,
            free_overridden=self.free_space_override_gb is not None,
        )

    def ipsw_files(self) -> list[IPSWFile]:
        """Cached IPSWs (`cache/IPSWs/*.ipsw`); `tart list` does not show them."""
        folder = self.tart_home / "cache" / "IPSWs"
        files: list[IPSWFile] = []
        with contextlib.suppress(OSError):
            for path in sorted(folder.glob("*.ipsw")):
                with contextlib.suppress(OSError):
                    stat = path.stat()
                    files.append(
                        IPSWFile(
                            name=path.name,
                            path=str(path),
                            size_bytes=getattr(stat, "st_blocks", 0) * 512 or stat.st_size,
                            accessed=datetime.fromtimestamp(stat.st_atime, UTC),
                        )
                    )
        return files

    async def overview(self) -> StorageOverview:
        self._require_local()
        await self.inventory.ready()
        vms = self.inventory.vms
        vm_items = [
            StorageItem(
                name=vm.name,
                kind="vm",
                size_gb=vm.size,
                disk_gb=vm.disk_size if isinstance(vm.disk_size, int) else None,
                accessed=vm.accessed,
                status=vm.state,
            )
            for vm in vms
            if vm.kind == "working_vm"
        ]
        disks = {vm.name: vm.disk_size for vm in vms if isinstance(vm.disk_size, int)}
        images = [
            StorageItem(
                name=item.name,
                kind="image",
                size_gb=item.size_bytes / GB,
                disk_gb=next((disks[t] for t in (item.name, *item.tags) if t in disks), None),
                accessed=iso_utc(item.accessed),
                tags=list(item.tags),
            )
            for item in image_prunables(vms)
        ]
        ipsws = [
            StorageItem(
                name=f.name,
                kind="ipsw",
                size_gb=round(f.size_bytes / GB, 3),
                accessed=iso_utc(f.accessed),
            )
            for f in self.ipsw_files()
        ]
        totals = StorageTotals(
            vms_gb=sum(item.size_gb or 0 for item in vm_items),
            images_gb=sum(item.size_gb or 0 for item in images),
            ipsws_gb=round(sum(item.size_gb or 0 for item in ipsws), 3),
            total_gb=0,
        )
        totals.total_gb = round(totals.vms_gb + totals.images_gb + totals.ipsws_gb, 3)
        return StorageOverview(
            volume=self.volume(),
            vms=sorted(vm_items, key=lambda i: -(i.size_gb or 0)),
            images=sorted(images, key=lambda i: -(i.size_gb or 0)),
            ipsws=ipsws,
            totals=totals,
            inventory_age=self.inventory.age,
        )

    # --- prune ---------------------------------------------------------------------------

    async def _check_age(self, request: PruneRequest) -> None:
        """Prune by age reads `tart list`'s `Accessed` (List.swift:10), which came with Tart
        2.31.0: an older Tart gives no date to judge by, so say so rather than prune nothing."""
        if request.older_than_days is None:
            return
        capabilities = await self.backend.capabilities()
        reason = capabilities.refusals.get("accessed") if capabilities is not None else None
        if reason is not None:
            raise Unsupported(
                f"prune by age cannot judge what is old: {reason}; a space budget works without it"
            )

    def _command(self, request: PruneRequest) -> list[str]:
        return self.backend.describe_prune(
            entries=request.entries,
            older_than_days=request.older_than_days,
            space_budget_gb=request.space_budget_gb,
        )

    async def _candidates(self, entries: str) -> list[Prunable]:
        # A list begun before this request (the watcher's, while a VM was being made or
        # removed) must not answer it: a preview is what a prune removes now.
        self.inventory.invalidate()
        vms = await self.inventory.refresh()
        if entries == "vms":
            return vm_prunables(vms)
        return image_prunables(vms) + ipsw_prunables(self.ipsw_files())

    async def preview(self, request: PruneRequest) -> PrunePlan:
        """What `tart prune` with these criteria would remove now; removes nothing."""
        self._require_local()
        await self._check_age(request)
        result, _ = plan(
            request, await self._candidates(request.entries), command=self._command(request)
        )
        return result

    async def prune(self, request: PruneRequest) -> Task:
        """Remove the preview's entries (`names`), or a fresh plan's; as a task."""
        self._require_local()
        await self._check_age(request)
        candidates = await self._candidates(request.entries)
        if request.names is None:
            _, chosen = plan(request, candidates, command=self._command(request))
        else:
            by_name = {item.name: item for item in candidates}
            missing = [name for name in request.names if name not in by_name]
            if missing:
                raise Conflict(
                    f"no longer prunable: {', '.join(missing)} (removed, running or changed "
                    "since the preview); preview again"
                )
            chosen = [by_name[name] for name in dict.fromkeys(request.names)]
        claims: dict[str, ClaimMode] = {}
        for item in chosen:
            for name in (item.name, *item.tags):
                claims[name] = "exclusive"

        async def body(run: TaskRun) -> dict[str, Any]:
            try:
                return await self._remove(chosen, run)
            finally:
                forget = getattr(self.backend, "forget", None)
                if callable(forget):
                    forget()
                with contextlib.suppress(TaartError):
                    await self.inventory.refresh()

        return await self.engine.submit("prune", body, vm=None, claims=claims)

    async def _remove(self, chosen: list[Prunable], run: TaskRun) -> dict[str, Any]:
        run.log(f"removing {len(chosen)} entries, one by one")
        removed: list[str] = []
        failed: list[dict[str, str]] = []
        freed = 0
        for index, item in enumerate(chosen):
            try:
                if item.kind == "ipsw" and item.path is not None:
                    run.log(f"removing the cached IPSW {item.path}")
                    os.unlink(item.path)
                else:
                    await self.backend.delete(item.name, run)
            except (TaartError, OSError) as exc:
                reason = exc.detail if isinstance(exc, TaartError) else str(exc)
                run.log(f"could not remove {item.name}: {reason}")
                failed.append({"name": item.name, "error": reason})
            else:
                removed.append(item.name)
                freed += item.size_bytes
            run.set_progress(100 * (index + 1) / len(chosen))
        message = f"removed {len(removed)} of {len(chosen)} entries, about {_gb(freed)} GB"
        if failed:
            names = ", ".join(f["name"] for f in failed)
            raise TaartError(f"{message}; could not remove {names} (see the logs)")
        run.log(message)
        return {"message": message, "removed": removed, "freed_bytes": freed}

    # --- room for a pull -------------------------------------------------------------------

    async def check_pull(self, reference: str) -> str:
        """Refuse (507) a pull that cannot fit; otherwise say what was checked, for the log."""
        if self.backend.kind != "local":
            return "free-space check skipped: images are stored by the backend"
        if not self.pull_space_check:
            return "free-space check skipped: it is turned off (TARTVM_PULL_SPACE_CHECK)"
        name = parse_remote(reference)
        if name is None:
            return "free-space check skipped: not an OCI reference"
        try:
            size = await self.sizes.lookup(name)
        except SizeUnknown as exc:
            line = f"free-space check skipped: the size of {name} is not known ({exc})"
            log.info("%s", line)
            return line
        cached = {vm.digest for vm in self.inventory.vms if vm.kind == "base_image"}
        if size.digest is not None and size.digest in cached:
            return f"free-space check: {name} ({size.digest[:19]}...) is already cached"
        volume = self.volume()
        what = (
            f"{name} needs {_gb(size.needed_bytes)} GB free ("
            + (
                f"its {_gb(size.disk_bytes)} GB disk plus the 128 MiB Tart adds; "
                if size.disk_bytes is not None
                else ""
            )
            + f"a {_gb(size.download_bytes)} GB download)"
        )
        free = volume.free_bytes
        if free >= size.needed_bytes:
            return f"free-space check: {what}; {_gb(free)} GB free: fits"
        # Tart makes room itself before a pull (Prune.swift:107-143 `reclaimIfNeeded`, since
        # 1.9.2 #565): it deletes least recently used OCI images and IPSWs (never the one being
        # pulled) when together they free enough, unless TART_NO_AUTO_PRUNE is set. It counts
        # free space as macOS's "available for important usage", which includes purgeable
        # space Python cannot read: so refuse only when even Tart's pruning cannot make room.
        caches = sum(item.size_bytes for item in image_prunables(self.inventory.vms))
        caches += sum(f.size_bytes for f in self.ipsw_files())
        purgeable = "macOS may free more: purgeable space it does not count as free"
        if self.auto_prune and free + caches >= size.needed_bytes:
            line = (
                f"free-space check: {what}; {_gb(free)} GB free: Tart will prune up to "
                f"{_gb(size.needed_bytes - free)} GB of its {_gb(caches)} GB of cached images "
                f"and IPSWs, least recently used first, to make room; {purgeable}"
            )
            log.warning("%s", line)
            return "warning: " + line
        after = (
            f"; Tart could free {_gb(caches)} GB of cached images and IPSWs itself, not enough"
            if self.auto_prune
            else "; Tart will not prune its caches for it (TART_NO_AUTO_PRUNE is set)"
        )
        raise InsufficientStorage(
            f"not enough free space to pull {name}: {what}, and the volume holding "
            f"{volume.path} has {_gb(free)} GB free{after}. Make room first: prune cached "
            f"images or delete VMs you no longer need; {purgeable}"
        )
