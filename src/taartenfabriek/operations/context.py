"""What every family of VM actions shares: the parts they drive (backend, task engine,
inventory, run records, remembered options, Mac-care checks), how a recipe becomes a task, and
the looks every action takes at a VM before deciding (what it is now, is its run still ours).

One instance is built by the assembly and handed to each family (starts.py, stops.py,
creates.py, edits.py, deletes.py, actions.py), so a family names what it uses and no family
reaches into another.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

from ..backends.base import Backend, Peeked, RunHandle
from ..care.runlogs import RunLogs
from ..core.errors import Conflict, InvalidInput, NotFound, TaartError
from ..core.models import VM, Task
from ..core.names import is_remote
from ..inventory.service import Inventory
from ..tasks.engine import ClaimMode, TaskEngine, TaskRun
from .checks import CareChecks
from .start_options import LastRun, VMStartOptions
from .vmrecords import VMRecords

Work = Callable[[TaskRun], Awaitable[dict[str, Any]]]


class OperationsContext:
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

    # --- a recipe becomes a task -----------------------------------------------------------

    async def submit(
        self,
        action: str,
        vm: str,
        claims: dict[str, ClaimMode],
        work: Work,
        changed: tuple[str, ...],
        *,
        macos_start: tuple[str, str | None] | None = None,
    ) -> Task:
        """Run `work` as a task that ends by refreshing the inventory, so a client that sees
        the task finish also sees its effect in `GET /api/vms`.

        `macos_start` (VM, its OS as known): the task starts that VM, so it needs one of the
        macOS slots (care/limits.py); the slot is taken here, without awaiting between the
        decision and the claim, and given back when the task is over."""

        async def body(run: TaskRun) -> dict[str, Any]:
            try:
                return await work(run)
            finally:
                self.inventory.invalidate(*changed)
                if not self.engine.closing:  # shutting down: nobody will read it
                    with contextlib.suppress(TaartError):
                        await self.inventory.refresh()

        release: Callable[[], None] | None = None
        if macos_start is not None and self.checks is not None:
            release = self.checks.reserve_start(*macos_start)  # no await before the submit
        on_done = None
        if release is not None:
            give_back = release

            async def on_done(task: Task) -> None:
                give_back()

        try:
            return await self.engine.submit(action, body, vm=vm, claims=claims, on_done=on_done)
        except BaseException:
            if release is not None:
                release()
            raise

    async def check_new_name(self, new_name: str, source: VM | None = None) -> None:
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

    # --- what the VM is now ----------------------------------------------------------------

    async def now(self, vm: VM) -> tuple[str, str | None, dict[str, Any]]:
        """(state, os, raw config) from a fresh `tart get`: the cached inventory may be seconds
        old, and these checks guard commands that Tart itself does not check."""
        try:
            config = await self.inventory.config(vm.name, force_refresh=True)
        except TaartError:
            return vm.state, vm.os, {}
        fields = self.backend.config_fields(config.raw)
        return str(fields["state"]), fields["os"], config.raw

    def last_run(self, name: str) -> LastRun | None:
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

    def peek(self, vm: VM) -> Peeked | None:
        """`Backend.peek`, except where it would contradict a snapshot the inventory saw: Tart
        marks one by a `state.vzvmsave` file, and a Tart stand-in that keeps it some other way
        must not have its suspended VMs judged stopped, so `tart get` decides those."""
        if vm.kind == "base_image":
            return None
        seen = self.backend.peek(vm.name)
        if seen is not None and seen.state == "stopped" and vm.state == "suspended":
            return None
        return seen

    async def state_now(self, vm: VM, *, ask_tart: bool = True) -> tuple[str, str | None]:
        """(state, os) as they are now: read from TART_HOME when the backend can
        (`Backend.peek`, no process), else from a fresh `tart get`, or, with `ask_tart`
        False (reads, which start no `tart`), from the cached inventory."""
        seen = self.peek(vm)
        if seen is not None:
            return seen.state, seen.os
        if not ask_tart:
            return vm.state, vm.os
        state, os_name, _raw = await self.now(vm)
        return state, os_name

    async def current(self, vm: VM) -> VM:
        """`vm` as its backend reports it now, for the 404/409 decisions of the seed's
        actions: the inventory is a cache, and a VM started, stopped or deleted at a terminal
        (or with the Orchard CLI) since the last refresh must be judged as it is. TART_HOME
        answers when it can (`Backend.peek`: a Start then reaches `tart run` without a
        `tart get` first); else `get_config` (`tart get`, or Orchard's `GET /v1/vms/{name}`).
        Base images keep their cached state (tart get reads local VMs only)."""
        if vm.kind == "base_image":
            return vm
        seen = self.peek(vm)
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
            fields = self.backend.config_fields(config.raw)
            state, os_name = str(fields["state"]), fields["os"] or vm.os
        if state not in ("running", "stopped", "suspended"):
            if self.backend.kind == "local":
                return vm.model_copy(update={"os": os_name})
            # Orchard between phases (queued, creating, stopping...): neither running nor not
            return vm.model_copy(update={"state": "unknown", "status": "unknown", "os": os_name})
        status = "running" if state == "running" else "stopped"
        # the OS too: the start options' checks then need no second look
        return vm.model_copy(update={"state": state, "status": status, "os": os_name})

    async def judge(self, name: str, action: str, rules: Callable[[VM], None]) -> VM:
        """The VM as it is now, judged the way `/actions` judges it: the seed's state `rules`
        (their 404/409 first), then the backend's own `check`. Both looks run at once, so the
        Orchard backend answers them with one `GET /v1/vms/{name}`."""
        vm = await self.inventory.lookup(name)
        checked, current = await asyncio.gather(
            self.backend.check(action, vm), self.current(vm), return_exceptions=True
        )
        if isinstance(current, BaseException):
            raise current
        rules(current)
        if isinstance(checked, BaseException):
            raise checked
        return current

    async def owned_run(self, vm: VM) -> LastRun | None:
        """The run this server started, while it still is the VM's live `tart run`."""
        run = self.last_run(vm.name)
        if run is None:
            return None
        handle = RunHandle(run.pid, tuple(run.command), run.started_at)
        return run if await self.backend.owns_run(vm.name, handle) else None

    # --- refusals every family words alike -------------------------------------------------

    @staticmethod
    def base_image(vm: VM, action: str) -> str | None:
        if vm.kind == "base_image":
            return (
                f"{vm.name} is a base image pulled from a registry; it cannot be {action}: "
                "clone it to a working VM first"
            )
        return None

    def require_local(self, vm: VM, action: str) -> None:
        refusal = self.base_image(vm, action)
        if refusal:
            raise Conflict(refusal)

    def busy(self, vm: VM) -> str | None:
        task_id = self.engine.busy(vm.name)
        return f"{vm.name} is busy: task {task_id} is still running" if task_id else None


def check_host(cpu: int | None, memory_mb: int | None) -> None:
    """422 for more CPU cores or memory than this Mac has (edit and create-empty alike)."""
    cores = os.cpu_count() or 0
    if cpu is not None and cores and cpu > cores:
        raise InvalidInput(f"this Mac has {cores} CPU cores: a VM can have at most {cores}")
    import psutil  # on first use, like procs.py

    total_mb = psutil.virtual_memory().total // 2**20
    if memory_mb is not None and memory_mb > total_mb:
        raise InvalidInput(f"this Mac has {total_mb} MB of memory: give the VM less")
