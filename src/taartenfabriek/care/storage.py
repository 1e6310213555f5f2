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
from collections.abc import Mapping
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


def resolve_tart_home(configured: Path | None, environ: Mapping[str, str]) -> Path:
    """TART_HOME as tart will see it: the setting, else the environment's, else ~/.tart."""
    if configured is not None:
        return configured.expanduser()
    value = environ.get("TART_HOME")
    return Path(value).expanduser() if value else Path("~/.tart").expanduser()


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
    ) -> None:
        self.tart_home = tart_home
        self.backend = backend
        self.inventory = inventory
        self.engine = engine
        self.sizes = sizes
        self.free_space_override_gb = free_space_override_gb
        self.pull_space_check = pull_space_check

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

    async def _candidates(self, entries: str) -> list[Prunable]:
        vms = await self.inventory.refresh()
        if entries == "vms":
            return vm_prunables(vms)
        return image_prunables(vms) + ipsw_prunables(self.ipsw_files())

    async def preview(self, request: PruneRequest) -> PrunePlan:
        """What `tart prune` with these criteria would remove now; removes nothing."""
        self._require_local()
        result, _ = plan(request, await self._candidates(request.entries))
        return result

    async def prune(self, request: PruneRequest) -> Task:
        """Remove the preview's entries (`names`), or a fresh plan's; as a task."""
        self._require_local()
        candidates = await self._candidates(request.entries)
        if request.names is None:
            _, chosen = plan(request, candidates)
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
        if volume.free_bytes < size.needed_bytes:
            reclaimable = sum(item.size_bytes for item in image_prunables(self.inventory.vms))
            raise InsufficientStorage(
                f"not enough free space to pull {name}: {what}, and the volume holding "
                f"{volume.path} has {_gb(volume.free_bytes)} GB free. Make room first: cached "
                f"images take {_gb(reclaimable)} GB (prune them or delete VMs you no longer "
                "need)"
            )
        return f"free-space check: {what}; {_gb(volume.free_bytes)} GB free: fits"
