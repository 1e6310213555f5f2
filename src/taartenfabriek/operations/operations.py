"""One recipe per VM action, each submitted as a task.

The checks that decide 404/409/422 run here, before any task is made; the bodies call the
backend and end by refreshing the inventory, so a client that sees a task finish also sees
its effect in `GET /api/vms`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..backends.base import Backend, StartOptions
from ..care.runlogs import RunLogs
from ..core.errors import Conflict, InvalidInput, NotFound, TaartError
from ..core.models import VM, CloneRequest, CreateRequest, PullRequest, Task
from ..core.names import is_remote, parse_remote
from ..inventory.service import Inventory
from ..tasks.engine import ClaimMode, TaskEngine, TaskRun
from .actions import ActionOperations
from .start_options import StartRequest, default_display
from .vmrecords import VMRecords

if TYPE_CHECKING:
    from .checks import CareChecks


class Operations(ActionOperations):
    def __init__(
        self,
        backend: Backend,
        engine: TaskEngine,
        inventory: Inventory,
        runlogs: RunLogs,
        records: VMRecords | None = None,
        checks: CareChecks | None = None,
    ) -> None:
        self.backend = backend
        self.engine = engine
        self.inventory = inventory
        self.runlogs = runlogs
        """Where each start is recorded (by the local backend, as it spawns `tart run`)."""
        self.records = records or VMRecords(None)
        self.checks = checks
        """Mac-care checks (macOS limit, room for pulls, IP diagnosis); optional."""

    async def _submit(
        self,
        action: str,
        vm: str,
        claims: dict[str, ClaimMode],
        work: Callable[[TaskRun], Awaitable[dict[str, Any]]],
        changed: tuple[str, ...],
    ) -> Task:
        async def body(run: TaskRun) -> dict[str, Any]:
            try:
                return await work(run)
            finally:
                self.inventory.invalidate(*changed)
                if not self.engine.closing:  # shutting down: nobody will read it
                    with contextlib.suppress(TaartError):
                        await self.inventory.refresh()

        return await self.engine.submit(action, body, vm=vm, claims=claims)

    def _require_local(self, vm: VM, action: str) -> None:
        if vm.kind == "base_image":
            raise Conflict(
                f"{vm.name} is a base image pulled from a registry; it cannot be {action}: "
                "clone it to a working VM first"
            )

    # --- the seed's actions ----------------------------------------------------------------

    async def start(
        self, name: str, request: StartRequest | None = None, *, action: str = "start"
    ) -> Task:
        """Start with `request`'s options over the VM's remembered ones (lifecycle.py)."""
        self.engine.check_claims({name: "exclusive"})  # busy first: the 409 names the task

        def rules(vm: VM) -> None:
            self._require_local(vm, "started")
            if vm.status == "running":
                raise Conflict(f"VM {vm.name} is already running")

        vm = await self._judge(name, "start", rules)
        options, resuming = await self._plan_start(vm, request)
        opts = options.to_backend(suspendable=options.suspendable or resuming)
        if self.checks is not None:
            await self.checks.before_start(vm)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await self.backend.start(vm.name, run, opts)
            if self.checks is not None:
                result = self.checks.after_start(vm.name, result, run)
            return result

        return await self._submit(action, vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    async def stop(self, name: str) -> Task:
        self.engine.check_claims({name: "exclusive"})

        def rules(vm: VM) -> None:
            self._require_local(vm, "stopped")
            if vm.status != "running" and vm.state != "suspended":
                raise Conflict(f"VM {vm.name} is not running")

        vm = await self._judge(name, "stop", rules)

        async def work(run: TaskRun) -> dict[str, Any]:
            return await self.backend.stop(vm.name, run)

        return await self._submit("stop", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    async def delete(self, name: str) -> Task:
        self.engine.check_claims({name: "exclusive"})

        def rules(vm: VM) -> None:
            if vm.status == "running":
                raise Conflict(f"VM {vm.name} is running: stop it before deleting it")

        vm = await self._judge(name, "delete", rules)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await self.backend.delete(vm.name, run)
            self.records.forget(vm.name)
            return result

        return await self._submit("delete", vm.name, {vm.name: "exclusive"}, work, (vm.name,))

    async def pull(self, request: PullRequest) -> Task:
        await self.backend.check("pull", None)
        parsed = parse_remote(request.oci_url)
        canonical = str(parsed) if parsed else request.oci_url
        note = await self.checks.before_pull(request.oci_url) if self.checks else None

        async def work(run: TaskRun) -> dict[str, Any]:
            if note:
                run.log(note)
            return await self.backend.pull(request.oci_url, run)

        return await self._submit("pull", canonical, {canonical: "exclusive"}, work, (canonical,))

    async def _check_new_name(self, new_name: str, source: VM | None = None) -> None:
        """409 when `new_name` is taken; 404 when a local `source` is gone (tart clone pulls
        an OCI source that left the cache). Both from one fresh refresh: a VM made or deleted
        at a terminal since the last one counts."""
        existing = await self.inventory.exists(new_name)
        if existing is not None:
            raise Conflict(
                f"a VM named {existing.name} already exists (names are compared "
                "case-insensitively); choose another name or delete it first"
            )
        if source is None or is_remote(source.name):
            return
        if self.inventory.find(source.name) is None:
            raise NotFound(f"VM {source.name!r} does not exist")

    async def clone(self, name: str, request: CloneRequest) -> Task:
        self.engine.check_claims({name: "shared", request.new_name: "exclusive"})
        source = await self.inventory.lookup(name)
        await self.backend.check("clone", source)
        await self._check_new_name(request.new_name, source)
        if source.kind == "working_vm" and self.backend.kind == "local":
            state = (await self._state_now(source))[0]
            if state == "running" and not request.allow_running:
                # Tart copies the disk without the VM's lock (Tart Clone.swift:58-77)
                raise Conflict(
                    f"{source.name} is running: Tart would copy its disk while the guest "
                    "writes to it, a crash-consistent copy (as if the power had been cut). "
                    "Shut it down first, or clone it anyway with allow_running true"
                )
        new_name = request.new_name
        lowered = source.name.lower()
        guess = "darwin" if "macos" in lowered else None  # OCI: no tart get
        if guess is None and any(word in lowered for word in ("ubuntu", "debian", "fedora")):
            guess = "linux"
        source_os = source.os or guess
        if request.start_after_clone and self.checks is not None:
            clone = VM(name=new_name, status="stopped", kind="working_vm")
            await self.checks.before_start(clone, os_hint=source_os)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await self.backend.clone(source.name, new_name, run)
            self.records.forget(new_name)
            if not request.start_after_clone:
                return result
            self.inventory.invalidate(new_name)
            seen = self.backend.peek(new_name)  # a clone runs its source's OS
            display = default_display(seen.os if seen is not None else source_os)
            started = await self.backend.start(new_name, run, StartOptions(display=display))
            if self.checks is not None:
                started = self.checks.after_start(new_name, started, run)
            return {
                **result,
                **started,
                "message": f"cloned {source.name} to {new_name}; "
                + started.get("message", "started"),
            }

        claims: dict[str, ClaimMode] = {source.name: "shared", new_name: "exclusive"}
        return await self._submit("clone", new_name, claims, work, (new_name,))

    async def create(self, request: CreateRequest) -> Task:
        source_name = request.source_vm
        self.engine.check_claims({source_name: "shared", request.name: "exclusive"})
        source = self.inventory.find(source_name)
        if source is None and not is_remote(source_name):
            source = await self.inventory.lookup(source_name)
        await self.backend.check("create", source)
        await self._check_new_name(request.name, source)
        if (
            source is not None
            and isinstance(source.disk_size, int)
            and request.disk_size < source.disk_size
        ):
            raise InvalidInput(
                f"disk_size must be at least {source.disk_size} GB, the disk of "
                f"{source.name}: Tart can only grow a disk"
            )
        source_ref = source.name if source is not None else source_name
        note = None
        if source is None and self.checks is not None:
            note = await self.checks.before_pull(source_ref)  # tart clone pulls it first

        async def work(run: TaskRun) -> dict[str, Any]:
            self.records.forget(request.name)
            if note:
                run.log(note)
            return await self.backend.create(
                request.name,
                source_ref,
                run,
                cpu=request.cpu,
                memory_gb=request.memory,
                disk_size_gb=request.disk_size,
            )

        claims: dict[str, ClaimMode] = {source_ref: "shared", request.name: "exclusive"}
        return await self._submit("create", request.name, claims, work, (request.name,))
