"""Starting a VM the way it should run: start and resume, and its start options (remembered
per VM, checked before any task, previewed as the exact `tart run`).

Refusals are sentences that say why and what to do instead; `/actions` (actions.py) words
the same refusals, so the UI disables a button with the reason the API would give.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..core.errors import Conflict, InvalidInput
from ..core.models import VM, Task
from ..tasks.engine import ClaimMode, TaskRun
from .context import OperationsContext
from .start_checks import check_for_tart, check_for_vm
from .start_options import (
    StartOptionsState,
    StartRequest,
    VMStartOptions,
    validation_detail,
)


class StartActions:
    def __init__(self, ctx: OperationsContext) -> None:
        self.ctx = ctx

    async def start(
        self, name: str, request: StartRequest | None = None, *, action: str = "start"
    ) -> Task:
        """Start with `request`'s options over the VM's remembered ones."""
        ctx = self.ctx
        ctx.engine.check_claims({name: "exclusive"})  # busy first: the 409 names the task

        def rules(vm: VM) -> None:
            ctx.require_local(vm, "started")
            if vm.status == "running":
                raise Conflict(f"VM {vm.name} is already running")

        vm = await ctx.judge(name, "start", rules)
        options, resuming = await self._plan_start(vm, request)
        opts = options.to_backend(suspendable=options.suspendable or resuming)
        checks = ctx.checks
        os_name = vm.os
        if checks is not None:
            os_name = await checks.before_start(vm)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await ctx.backend.start(vm.name, run, opts)
            if checks is not None:
                result = checks.after_start(vm.name, result, run)
            return result

        macos = (vm.name, os_name)
        claims: dict[str, ClaimMode] = {vm.name: "exclusive"}
        return await ctx.submit(action, vm.name, claims, work, (vm.name,), macos_start=macos)

    async def resume(self, name: str, request: StartRequest | None = None) -> Task:
        vm = await self.ctx.inventory.lookup(name)
        if vm.state != "suspended" and (await self.ctx.state_now(vm))[0] != "suspended":
            raise Conflict(f"{vm.name} is not suspended: there is no saved state to resume")
        return await self.start(vm.name, request, action="resume")

    # --- start options ---------------------------------------------------------------------

    def _saved_options(self, name: str) -> VMStartOptions:
        return self.ctx.records.start_options(name) or VMStartOptions()

    async def _plan_start(
        self, vm: VM, request: StartRequest | None
    ) -> tuple[VMStartOptions, bool]:
        """The options of this start (request over remembered over defaults), checked for this
        VM; returns them and whether the VM resumes from a snapshot (suspendable implied)."""
        if request is not None and request.model_fields_set - {"remember"}:
            await self.ctx.backend.check("start-options", vm)  # Orchard has no `tart run`
        saved = self._saved_options(vm.name)
        try:
            options = request.merged(saved) if request is not None else saved
        except ValidationError as exc:
            raise InvalidInput(validation_detail(exc)) from exc
        resuming = vm.state == "suspended"
        os_name = vm.os
        if os_name is None and (
            options.suspendable or options.rosetta_tag or options.serial or options.display is None
        ):
            os_name = (await self.ctx.state_now(vm))[1]
        check_for_vm(options, os_name=os_name, suspended=resuming)
        await self._check_tart(options.for_guest(os_name), suspended=resuming)
        if request is not None and request.remember and request.model_fields_set - {"remember"}:
            self.ctx.records.set_start_options(vm.name, options)  # a display left out stays so
        return options.for_guest(os_name), resuming

    async def _os_of(self, vm: VM, *, ask_tart: bool = True) -> str | None:
        """The guest's OS, which decides the default display (a Linux guest's is
        `vnc-experimental`): the inventory's, else read now (TART_HOME, else `tart get` unless
        `ask_tart` is False: a read starts no `tart` and never waits for one)."""
        return vm.os or (await self.ctx.state_now(vm, ask_tart=ask_tart))[1]

    def _run_command(self, name: str, options: VMStartOptions) -> list[str]:
        return self.ctx.backend.describe_start(name, options.to_backend())

    async def _check_options(self, vm: VM, options: VMStartOptions) -> None:
        """What PUT and preview refuse alike: a base image (409), options this VM or this Mac
        cannot take (422)."""
        await self.ctx.backend.check("start-options", vm)  # Orchard has no `tart run`
        self.ctx.require_local(vm, "started")
        os_name = await self._os_of(vm)
        check_for_vm(options, os_name=os_name, suspended=vm.state == "suspended")
        await self._check_tart(options.for_guest(os_name), suspended=vm.state == "suspended")

    async def _check_tart(self, options: VMStartOptions, *, suspended: bool) -> None:
        """Options this Mac's Tart release or hardware cannot take (422, naming the need)."""
        capabilities = await self.ctx.backend.capabilities()
        refusals = capabilities.refusals if capabilities is not None else {}
        check_for_tart(options, refusals=refusals, suspended=suspended)

    async def start_options(self, name: str) -> StartOptionsState:
        vm = await self.ctx.inventory.lookup(name)
        saved = self.ctx.records.start_options(vm.name)
        # the OS decides the default display: from the files or the inventory, never a wait
        # for `tart get` (the dialog opens at once; a start asks tart, see `_plan_start`)
        os_name = await self._os_of(vm, ask_tart=False)
        options = (saved or VMStartOptions()).for_guest(os_name)
        return StartOptionsState(
            name=vm.name,
            options=options,
            saved=saved is not None,
            command=self._run_command(vm.name, options),
            last_run=self.ctx.last_run(vm.name),
        )

    async def set_start_options(self, name: str, options: VMStartOptions) -> StartOptionsState:
        vm = await self.ctx.inventory.lookup(name)
        await self._check_options(vm, options)
        self.ctx.records.set_start_options(vm.name, options)
        return await self.start_options(vm.name)

    async def preview_start_options(self, name: str, options: VMStartOptions) -> StartOptionsState:
        """PUT's checks and answer without saving: the UI shows the exact `tart run` (and each
        refusal next to its field) while the options are being edited. `saved` says whether
        these options are the remembered ones."""
        vm = await self.ctx.inventory.lookup(name)
        await self._check_options(vm, options)
        saved = self.ctx.records.start_options(vm.name)
        os_name = await self._os_of(vm)
        is_saved = saved is not None and saved.for_guest(os_name) == options.for_guest(os_name)
        options = options.for_guest(os_name)
        return StartOptionsState(
            name=vm.name,
            options=options,
            saved=is_saved,
            command=self._run_command(vm.name, options),
            last_run=self.ctx.last_run(vm.name),
        )
