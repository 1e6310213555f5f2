"""A VM's whole life beyond the seed: suspend, graceful shutdown, edit, rename, create from
scratch. A mixin of `Operations`: the same `_submit`, claims, checks.

Each refusal is a sentence that says why and what to do instead; the same sentences fill
`GET /api/vms/{name}/actions` (actions.py), so the UI disables a button with the reason the
API would give.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import ValidationError

from ..backends.base import RunHandle
from ..core.errors import Conflict, InvalidInput, TartTimeout
from ..core.models import (
    VM,
    ConfigUpdate,
    CreateEmptyRequest,
    RenameRequest,
    ShutdownRequest,
    Task,
)
from ..tasks.engine import ClaimMode, TaskRun
from .start_options import ExtraDisk, VMStartOptions, check_for_vm
from .starts import StartOperations, validation_detail


class LifecycleOperations(StartOperations):
    # --- suspend ---------------------------------------------------------------------------

    async def _suspend_refusal(self, vm: VM, state: str, os_name: str | None) -> str | None:
        if state == "suspended":
            return f"{vm.name} is already suspended: start it to resume"
        if state != "running":
            return f"{vm.name} is not running: only a running VM can be suspended"
        if os_name == "linux":
            return (
                f"{vm.name} runs Linux, and Tart can suspend macOS guests only "
                "(Virtualization.framework saves macOS guests' state only): shut it down instead"
            )
        run = await self._owned_run(vm)
        if run is None:
            return (
                f"{vm.name} was not started by this server, so it cannot tell whether it was "
                "started suspendable, and suspending a VM that was not ends it without saving "
                "its state: shut it down or force stop it instead"
            )
        if not run.suspendable:
            return (
                f"{vm.name} was started without 'suspendable', so Tart would end it without "
                "saving its state: shut it down, then start it with suspendable on "
                "(macOS guests, no shared folders)"
            )
        return None

    async def suspend(self, name: str) -> Task:
        vm = await self.inventory.lookup(name)
        await self.backend.check("suspend", vm)  # Orchard: a powerState change, its own rules
        state, os_name = await self._state_now(vm)
        refusal = self._base_image(vm, "suspended")
        if refusal is None and self.backend.kind == "local":
            refusal = await self._suspend_refusal(vm, state, os_name)
        if refusal:
            raise Conflict(refusal)

        async def work(run: TaskRun) -> dict[str, Any]:
            return await self.backend.suspend(vm.name, run)

        return await self._submit("suspend", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    # --- graceful shutdown -----------------------------------------------------------------

    async def _shutdown_refusal(self, vm: VM, state: str) -> str | None:
        if state == "suspended":
            return (
                f"{vm.name} is suspended, not running: start it to resume, or force stop it to "
                "discard the saved state"
            )
        if state != "running":
            return f"{vm.name} is not running"
        if self._last_run(vm.name) is None:
            return (
                f"{vm.name} was not started by this server (e.g. from a terminal), so the "
                "server cannot ask its guest to shut down: only a force stop is possible"
            )
        if await self._owned_run(vm) is None:
            return (
                f"{vm.name} is no longer running from the tart run this server started (it "
                "was started again elsewhere): only a force stop is possible"
            )
        return None

    async def shutdown(self, name: str, request: ShutdownRequest | None = None) -> Task:
        request = request or ShutdownRequest()
        vm = await self.inventory.lookup(name)
        await self.backend.check("shutdown", vm)
        state = (await self._state_now(vm))[0] if vm.kind != "base_image" else vm.state
        refusal = self._base_image(vm, "shut down") or await self._shutdown_refusal(vm, state)
        if refusal:
            raise Conflict(refusal)
        record = self._last_run(vm.name)
        assert record is not None
        handle = RunHandle(record.pid, tuple(record.command), record.started_at)

        async def work(run: TaskRun) -> dict[str, Any]:
            try:
                return await self.backend.shutdown(vm.name, run, handle, timeout=request.timeout)
            except TartTimeout as exc:
                if not request.force_after:
                    raise Conflict(
                        f"{exc.detail}: force stop it, or shut it down again with force_after"
                    ) from exc
                run.log(f"{exc.detail}: forcing it off (force_after)")
            result = await self.backend.stop(vm.name, run)
            return {
                **result,
                "method": "force",
                "message": f"VM {vm.name} did not shut down within {request.timeout:g} s "
                "and was powered off",
            }

        return await self._submit("shutdown", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    # --- edit a stopped VM -----------------------------------------------------------------

    def _stopped_refusal(self, vm: VM, state: str, what: str) -> str | None:
        if state == "running":
            return f"{vm.name} is running: shut it down before you {what} it"
        if state == "suspended" and what == "reconfigure":
            return (
                f"{vm.name} is suspended, and its saved state needs its current configuration: "
                "resume it and shut it down, or force stop it to discard the saved state, first"
            )
        return None

    async def update_config(self, name: str, update: ConfigUpdate) -> Task:
        vm = await self.inventory.lookup(name)
        await self.backend.check("set", vm)
        refusal = self._base_image(vm, "reconfigured")
        if refusal:
            raise Conflict(refusal)
        state, _os, raw = await self._now(vm)
        refusal = self._stopped_refusal(vm, state, "reconfigure")
        if refusal:
            raise Conflict(refusal)
        disk = update.disk_size
        current = raw.get("Disk")
        if disk is not None and isinstance(current, int):
            if disk < current:
                raise InvalidInput(
                    f"Tart can only grow a disk: {vm.name} has {current} GB, so disk_size must "
                    f"be at least {current} (shrinking would cut off the guest's data)"
                )
            disk = None if disk == current else disk
        memory_mb = update.memory_in_mb
        if self.backend.kind == "local":
            self._check_host(update.cpu, memory_mb)

        async def work(run: TaskRun) -> dict[str, Any]:
            if (update.cpu, memory_mb, update.display, disk) == (
                None,
            ) * 4 and not update.random_mac:
                run.log(f"the disk already is {current} GB: nothing to change")
                return {"message": f"VM {vm.name} unchanged", "changed": {}}
            return await self.backend.set_config(
                vm.name,
                run,
                cpu=update.cpu,
                memory_mb=memory_mb,
                display=update.display,
                disk_size_gb=disk,
                random_mac=update.random_mac,
            )

        return await self._submit("set", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    @staticmethod
    def _check_host(cpu: int | None, memory_mb: int | None) -> None:
        cores = os.cpu_count() or 0
        if cpu is not None and cores and cpu > cores:
            raise InvalidInput(f"this Mac has {cores} CPU cores: a VM can have at most {cores}")
        import psutil  # on first use, like procs.py

        total_mb = psutil.virtual_memory().total // 2**20
        if memory_mb is not None and memory_mb > total_mb:
            raise InvalidInput(f"this Mac has {total_mb} MB of memory: give the VM less")

    # --- rename ----------------------------------------------------------------------------

    async def rename(self, name: str, request: RenameRequest) -> Task:
        vm = await self.inventory.lookup(name)
        await self.backend.check("rename", vm)
        new_name = request.new_name
        refusal = self._base_image(vm, "renamed")
        if refusal:
            raise Conflict(refusal)
        if new_name == vm.name:
            raise InvalidInput(f"{vm.name} already has that name")
        if new_name.lower() == vm.name.lower():
            raise Conflict(
                f"{new_name} differs from {vm.name} in letter case only, and the Mac's disk "
                "ignores case: rename it to another name first"
            )
        state = (await self._state_now(vm))[0]
        refusal = self._stopped_refusal(vm, state, "rename")
        if refusal:
            raise Conflict(refusal)
        await self._check_new_name(new_name)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await self.backend.rename(vm.name, new_name, run)
            self.records.forget(new_name)
            self.records.rename(vm.name, new_name)
            return result

        claims: dict[str, ClaimMode] = {vm.name: "exclusive", new_name: "exclusive"}
        return await self._submit("rename", vm.name, claims, work, (vm.name, new_name))

    # --- create from scratch ---------------------------------------------------------------

    async def create_empty(self, request: CreateEmptyRequest) -> Task:
        await self.backend.check("create-empty", None)
        await self._check_new_name(request.name)
        name = request.name
        installer = None
        if request.iso is not None:
            try:
                installer = ExtraDisk(path=request.iso, read_only=True)
            except ValidationError as exc:
                raise InvalidInput(validation_detail(exc)) from exc
        options = VMStartOptions(display="vnc-experimental", disks=[installer] if installer else [])
        check_for_vm(options, os_name=None, suspended=False)
        ipsw = request.ipsw or ("latest" if request.os == "macos" else None)
        if ipsw is not None and ipsw.startswith("/") and not os.path.isfile(ipsw):
            raise InvalidInput(f"{ipsw} is not a file on this Mac")
        memory_mb = request.memory * 1024 if request.memory else None
        if self.backend.kind == "local":
            self._check_host(request.cpu, memory_mb)

        async def work(run: TaskRun) -> dict[str, Any]:
            started = time.monotonic()
            result = await self.backend.create_empty(
                name, run, os=request.os, disk_size_gb=request.disk_size, ipsw=ipsw
            )
            if request.cpu or memory_mb:
                try:
                    await self.backend.set_config(name, run, cpu=request.cpu, memory_mb=memory_mb)
                except BaseException:
                    run.log(f"configuration failed: deleting the half-made VM {name}")
                    await self.backend.delete(name, run)
                    raise
            self.records.forget(name)
            self.records.set_start_options(name, options)
            run.log(
                "start options saved: VNC on 127.0.0.1 (works during installation)"
                + (f", installer {installer.path} attached read-only" if installer else "")
            )
            return {
                **result,
                "cpu": request.cpu,
                "memory": f"{request.memory}G" if request.memory else None,
                "seconds": round(time.monotonic() - started, 1),
            }

        return await self._submit("create-empty", name, {name: "exclusive"}, work, (name,))
