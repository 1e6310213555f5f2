"""Starting a VM the way it should run: its start options (remembered per VM, checked before
any task), how the server last started it (read from the run's record, runlogs.py), and the
checks every lifecycle action shares (what the VM is now, is its run still ours). A mixin of
`Operations`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..backends.base import Backend, RunHandle
from ..backends.local_lifecycle import start_flags, tart_and_host
from ..care.runlogs import RunLogs
from ..core.errors import Conflict, InvalidInput, NotFound, TaartError
from ..core.models import VM, Task
from ..inventory.service import Inventory
from ..tart import argv
from ..tart.parse import config_fields
from ..tart.vmdir import OnDisk
from ..tasks.engine import ClaimMode, TaskEngine, TaskRun
from .start_options import (
    LastRun,
    StartOptionsState,
    StartRequest,
    VMStartOptions,
    check_for_tart,
    check_for_vm,
)
from .vmrecords import VMRecords

Work = Callable[[TaskRun], Awaitable[dict[str, Any]]]


def validation_detail(exc: ValidationError) -> str:
    """A pydantic error raised after the request was parsed, as one sentence for a 422."""
    return "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())


class StartOperations:
    backend: Backend
    engine: TaskEngine
    inventory: Inventory
    records: VMRecords
    runlogs: RunLogs

    if TYPE_CHECKING:

        async def _submit(
            self,
            action: str,
            vm: str,
            claims: dict[str, ClaimMode],
            work: Work,
            changed: tuple[str, ...],
        ) -> Task: ...

        async def _check_new_name(self, new_name: str, source: VM | None = None) -> None: ...

        async def start(
            self, name: str, request: StartRequest | None = None, *, action: str = "start"
        ) -> Task: ...

    # --- what the VM is now ----------------------------------------------------------------

    async def _now(self, vm: VM) -> tuple[str, str | None, dict[str, Any]]:
        """(state, os, raw config) from a fresh `tart get`: the cached inventory may be seconds
        old, and these checks guard commands that Tart itself does not check."""
        try:
            config = await self.inventory.config(vm.name, force_refresh=True)
        except TaartError:
            return vm.state, vm.os, {}
        fields = config_fields(config.raw)
        return str(fields["state"]), fields["os"], config.raw

    def _last_run(self, name: str) -> LastRun | None:
        """How this server last started the VM: its newest recorded run (runlogs.py)."""
        run = self.runlogs.latest(name)
        if run is None or run.pid is None or run.started_at is None or not run.argv:
            return None
        return LastRun(
            pid=run.pid,
            command=run.argv,
            started_at=run.started_at,
            suspendable=run.suspendable,
            options=VMStartOptions.from_run(run.options) if run.options is not None else None,
        )

    def _peek(self, vm: VM) -> OnDisk | None:
        """`Backend.peek`, except where it would contradict a snapshot the inventory saw: Tart
        marks one by a `state.vzvmsave` file, and a Tart stand-in that keeps it some other way
        must not have its suspended VMs judged stopped, so `tart get` decides those."""
        if vm.kind == "base_image":
            return None
        seen = self.backend.peek(vm.name)
        if seen is not None and seen.state == "stopped" and vm.state == "suspended":
            return None
        return seen

    async def _state_now(self, vm: VM, *, ask_tart: bool = True) -> tuple[str, str | None]:
        """(state, os) as they are now: read from TART_HOME when the backend can
        (`Backend.peek`, no process), else from a fresh `tart get`, or, with `ask_tart`
        False (reads, which start no `tart`), from the cached inventory."""
        seen = self._peek(vm)
        if seen is not None:
            return seen.state, seen.os
        if not ask_tart:
            return vm.state, vm.os
        state, os_name, _raw = await self._now(vm)
        return state, os_name

    async def _current(self, vm: VM) -> VM:
        """`vm` as its backend reports it now, for the 404/409 decisions of the seed's
        actions: the inventory is a cache, and a VM started, stopped or deleted at a terminal
        (or with the Orchard CLI) since the last refresh must be judged as it is. TART_HOME
        answers when it can (`Backend.peek`: a Start then reaches `tart run` without a
        `tart get` first); else `get_config` (`tart get`, or Orchard's `GET /v1/vms/{name}`).
        Base images keep their cached state (tart get reads local VMs only)."""
        if vm.kind == "base_image":
            return vm
        seen = self._peek(vm)
        state: str
        os_name: str | None
        if seen is not None:
            state, os_name = seen.state, seen.os
        else:
            try:
                config = await self.inventory.config(vm.name, force_refresh=True)
            except NotFound:
                with contextlib.suppress(TaartError):
                    await self.inventory.refresh()  # drop it from the list too
                raise
            except TaartError:
                return vm  # the backend could not say: the cache is the best we know
            fields = config_fields(config.raw)
            state, os_name = str(fields["state"]), fields["os"] or vm.os
        if state not in ("running", "stopped", "suspended"):
            if self.backend.kind == "local":
                return vm.model_copy(update={"os": os_name})
            # Orchard between phases (queued, creating, stopping...): neither running nor not
            return vm.model_copy(update={"state": "unknown", "status": "unknown", "os": os_name})
        status = "running" if state == "running" else "stopped"
        # the OS too: the start options' checks then need no second look
        return vm.model_copy(update={"state": state, "status": status, "os": os_name})

    async def _judge(self, name: str, action: str, rules: Callable[[VM], None]) -> VM:
        """The VM as it is now, judged the way `/actions` judges it: the seed's state `rules`
        (their 404/409 first), then the backend's own `check`. Both looks run at once, so the
        Orchard backend answers them with one `GET /v1/vms/{name}`."""
        vm = await self.inventory.lookup(name)
        checked, current = await asyncio.gather(
            self.backend.check(action, vm), self._current(vm), return_exceptions=True
        )
        if isinstance(current, BaseException):
            raise current
        rules(current)
        if isinstance(checked, BaseException):
            raise checked
        return current

    async def _owned_run(self, vm: VM) -> LastRun | None:
        """The run this server started, while it still is the VM's live `tart run`."""
        run = self._last_run(vm.name)
        if run is None:
            return None
        handle = RunHandle(run.pid, tuple(run.command), run.started_at)
        return run if await self.backend.owns_run(vm.name, handle) else None

    def _base_image(self, vm: VM, action: str) -> str | None:
        if vm.kind == "base_image":
            return (
                f"{vm.name} is a base image pulled from a registry; it cannot be {action}: "
                "clone it to a working VM first"
            )
        return None

    def _busy(self, vm: VM) -> str | None:
        task_id = self.engine.busy(vm.name)
        return f"{vm.name} is busy: task {task_id} is still running" if task_id else None

    # --- start options ---------------------------------------------------------------------

    def _saved_options(self, name: str) -> VMStartOptions:
        return self.records.start_options(name) or VMStartOptions()

    async def _plan_start(
        self, vm: VM, request: StartRequest | None
    ) -> tuple[VMStartOptions, bool]:
        """The options of this start (request over remembered over defaults), checked for this
        VM; returns them and whether the VM resumes from a snapshot (suspendable implied)."""
        if request is not None and request.model_fields_set - {"remember"}:
            await self.backend.check("start-options", vm)  # Orchard has no `tart run`
        saved = self._saved_options(vm.name)
        try:
            options = request.merged(saved) if request is not None else saved
        except ValidationError as exc:
            raise InvalidInput(validation_detail(exc)) from exc
        resuming = vm.state == "suspended"
        os_name = vm.os
        if os_name is None and (
            options.suspendable or options.rosetta_tag or options.display is None
        ):
            os_name = (await self._state_now(vm))[1]
        check_for_vm(options, os_name=os_name, suspended=resuming)
        await self._check_tart(options.for_guest(os_name), suspended=resuming)
        if request is not None and request.remember and request.model_fields_set - {"remember"}:
            self.records.set_start_options(vm.name, options)  # a display left out stays so
        return options.for_guest(os_name), resuming

    async def _os_of(self, vm: VM) -> str | None:
        return vm.os or (await self._state_now(vm))[1]

    def _run_command(self, name: str, options: VMStartOptions) -> list[str]:
        return ["tart", *argv.run(name, start_flags(options.to_backend()))]

    async def _check_options(self, vm: VM, options: VMStartOptions) -> None:
        """What PUT and preview refuse alike: a base image (409), options this VM or this Mac
        cannot take (422)."""
        await self.backend.check("start-options", vm)  # Orchard has no `tart run`
        refusal = self._base_image(vm, "started")
        if refusal:
            raise Conflict(refusal)
        os_name = await self._os_of(vm)
        check_for_vm(options, os_name=os_name, suspended=vm.state == "suspended")
        await self._check_tart(options.for_guest(os_name), suspended=vm.state == "suspended")

    async def _check_tart(self, options: VMStartOptions, *, suspended: bool) -> None:
        """Options this Mac's Tart release or hardware cannot take (422, naming the need)."""
        tart, host = await tart_and_host(self.backend)
        check_for_tart(options, tart=tart, host=host, suspended=suspended)

    async def start_options(self, name: str) -> StartOptionsState:
        vm = await self.inventory.lookup(name)
        saved = self.records.start_options(vm.name)
        # the OS decides the default display: asked of tart only before the config cache has it
        os_name = await self._os_of(vm)
        options = (saved or VMStartOptions()).for_guest(os_name)
        return StartOptionsState(
            name=vm.name,
            options=options,
            saved=saved is not None,
            command=self._run_command(vm.name, options),
            last_run=self._last_run(vm.name),
        )

    async def set_start_options(self, name: str, options: VMStartOptions) -> StartOptionsState:
        vm = await self.inventory.lookup(name)
        await self._check_options(vm, options)
        self.records.set_start_options(vm.name, options)
        return await self.start_options(vm.name)

    async def preview_start_options(self, name: str, options: VMStartOptions) -> StartOptionsState:
        """PUT's checks and answer without saving: the UI shows the exact `tart run` (and each
        refusal next to its field) while the options are being edited. `saved` says whether
        these options are the remembered ones."""
        vm = await self.inventory.lookup(name)
        await self._check_options(vm, options)
        saved = self.records.start_options(vm.name)
        os_name = await self._os_of(vm)
        is_saved = saved is not None and saved.for_guest(os_name) == options.for_guest(os_name)
        options = options.for_guest(os_name)
        return StartOptionsState(
            name=vm.name,
            options=options,
            saved=is_saved,
            command=self._run_command(vm.name, options),
            last_run=self._last_run(vm.name),
        )

    async def resume(self, name: str, request: StartRequest | None = None) -> Task:
        vm = await self.inventory.lookup(name)
        if vm.state != "suspended" and (await self._state_now(vm))[0] != "suspended":
            raise Conflict(f"{vm.name} is not suspended: there is no saved state to resume")
        return await self.start(vm.name, request, action="resume")
