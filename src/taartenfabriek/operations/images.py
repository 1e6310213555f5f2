"""Images both ways: push a VM to a registry, export it to a `.tvm` file, import one.

Each is a task. The checks that decide 404/409/422/507 run before the task exists, like every
other recipe's: the VM's state, the references, and the paths on this Mac.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path
from typing import Any, Protocol

from ..backends.base import TaskContext
from ..core.errors import Conflict, InsufficientStorage, InvalidInput
from ..core.image_models import ExportRequest, ImportRequest, PushRequest
from ..core.models import VM, Task
from ..tasks.engine import ClaimMode, TaskRun
from .context import OperationsContext


class ImageTransfer(Protocol):
    """What a backend offers to move images (the local one: `tart push/export/import`)."""

    async def push(
        self, name: str, remote_names: list[str], request: PushRequest, ctx: TaskContext
    ) -> dict[str, Any]: ...

    async def export(self, name: str, path: Path, ctx: TaskContext) -> dict[str, Any]: ...

    async def import_(self, path: Path, name: str, ctx: TaskContext) -> dict[str, Any]: ...

    def tart_home(self) -> Path | None: ...


def checked_path(field: str, value: str) -> Path:
    """An absolute path without `..`, control characters or a trailing slash: 422 naming
    `field` otherwise. Relative paths would resolve against the server's working folder,
    which the user does not see; `~` is the server's home, not the browser's."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidInput(f"{field}: the path has a control character")
    if not value.startswith("/"):
        raise InvalidInput(f"{field}: give an absolute path on this Mac (starting with /)")
    parts = value.split("/")
    if ".." in parts or "." in parts:
        raise InvalidInput(f"{field}: the path may not contain . or .. components")
    if value.endswith("/"):
        raise InvalidInput(f"{field}: name a file, not a folder")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise InvalidInput(f"{field}: the path is not valid Unicode on this Mac") from None
    return Path(value)


def _looked_up(field: str, error: OSError) -> InvalidInput:
    """What the file system said about a path (too long, not a folder, no permission)."""
    return InvalidInput(f"{field}: {error.strerror or error} on this Mac")


def free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


class ImageOperations:
    """Push, export and import as tasks over the backend's `ImageTransfer`."""

    def __init__(self, ctx: OperationsContext, transfer: ImageTransfer | None) -> None:
        self.ctx = ctx
        self.transfer = transfer

    def _require(self) -> ImageTransfer:
        assert self.transfer is not None  # the backend's `check` refused before
        return self.transfer

    async def push(self, name: str, request: PushRequest) -> Task:
        await self.ctx.backend.check("push", None)  # what the backend cannot do comes first
        self.ctx.engine.check_claims({name: "exclusive"})

        def rules(vm: VM) -> None:
            # Push locks the VM for the whole upload and refuses a running one
            # (Sources/tart/Commands/Push.swift: `lock.trylock()` -> VMIsRunning).
            if vm.status == "running":
                raise Conflict(
                    f"VM {vm.name} is running: Tart pushes only a stopped VM (it holds the "
                    "VM's lock while it uploads); shut it down first"
                )

        vm = await self.ctx.judge(name, "push", rules)
        transfer = self._require()

        async def work(run: TaskRun) -> dict[str, Any]:
            return await transfer.push(vm.name, request.remote_names, request, run)

        # Exclusive: a start during the upload would fail on the lock Tart holds.
        return await self.ctx.submit("push", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    async def export(self, name: str, request: ExportRequest) -> Task:
        await self.ctx.backend.check("export", None)
        path = checked_path("path", request.path)
        self.ctx.engine.check_claims({name: "shared"})
        vm = await self.ctx.judge(name, "export", lambda vm: None)
        transfer = self._require()
        folder = path.parent
        try:
            folder_ok, is_dir, exists = folder.is_dir(), path.is_dir(), path.exists()
        except OSError as exc:
            raise _looked_up("path", exc) from None
        if not folder_ok:
            raise InvalidInput(f"path: the folder {folder} does not exist on this Mac")
        if is_dir:
            raise InvalidInput(f"path: {path} is a folder on this Mac; name the .tvm file")
        if exists and not request.overwrite:
            raise Conflict(
                f"{path} already exists: choose another file, or set overwrite (the old file "
                "is replaced only once the export has finished)"
            )
        if not os.access(folder, os.W_OK):
            raise InvalidInput(f"path: this server may not write to {folder} on this Mac")
        needed = int((vm.size or 0) * 1e9)
        free = free_bytes(folder)
        if free is not None and needed and free < needed:
            raise InsufficientStorage(
                f"{folder} has {free / 1e9:.1f} GB free; exporting {vm.name} may need up to "
                f"{needed / 1e9:.0f} GB (what its disk holds, before compression)"
            )

        async def work(run: TaskRun) -> dict[str, Any]:
            if vm.status == "running":
                run.log(
                    f"{vm.name} is running: Tart exports it without stopping it, so the file "
                    "holds a crash-consistent copy of its disk"
                )
            return await transfer.export(vm.name, path, run)

        return await self.ctx.submit("export", vm.name, {vm.name: "shared"}, work, ())

    async def import_(self, request: ImportRequest) -> Task:
        await self.ctx.backend.check("import", None)
        path = checked_path("path", request.path)
        self.ctx.engine.check_claims({request.name: "exclusive"})
        transfer = self._require()
        try:
            is_file = path.is_file()
        except OSError as exc:
            raise _looked_up("path", exc) from None
        if not is_file:
            raise InvalidInput(f"path: no .tvm file at {path} on this Mac")
        if not os.access(path, os.R_OK):
            raise InvalidInput(f"path: this server may not read {path} on this Mac")
        await self.ctx.check_new_name(request.name)  # Tart would overwrite silently
        home = transfer.tart_home()
        free = free_bytes(home) if home is not None and home.exists() else None
        size = path.stat().st_size
        if free is not None and free < size:
            raise InsufficientStorage(
                f"Tart's folder has {free / 1e9:.1f} GB free; importing {path.name} needs at "
                f"least {size / 1e9:.1f} GB (more once decompressed)"
            )

        async def work(run: TaskRun) -> dict[str, Any]:
            return await transfer.import_(path, request.name, run)

        claims: dict[str, ClaimMode] = {request.name: "exclusive"}
        return await self.ctx.submit("import", request.name, claims, work, (request.name,))
