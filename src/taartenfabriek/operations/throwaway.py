"""Throwaway runs: clone a VM or image, start the copy, delete it when it stops.

What Tartelet and Cilicon do for CI runners, for anyone: a fresh copy that cannot outlive its
run. The mark is written to `vms.json` (VMRecords) as soon as the clone exists, before the
copy starts, so the promise survives a crash of this server: the reaper that deletes stopped
throwaways runs in every server, and a restarted one finishes the cleanup it owes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from typing import Any

from pydantic import Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from ..core.errors import InvalidInput, TaartError
from ..core.models import VM, Task
from ..core.names import LOCAL_NAME_MAX, LOCAL_NAME_PATTERN, is_remote, local_name_error
from ..tasks.engine import ClaimMode, TaskRun
from .context import OperationsContext
from .deletes import DeleteActions
from .start_checks import check_for_vm
from .start_options import StartRequest, VMStartOptions, validation_detail

log = logging.getLogger(__name__)

REAP_INTERVAL = 1.0
"""Seconds between two looks for stopped throwaway copies (in memory: no tart call)."""


class RunCopyRequest(StartRequest):
    """Body of `POST /api/vms/{name}/run-copy`: the copy's name and its start options."""

    new_name: str | None = Field(
        None,
        examples=["ci-run-1"],
        description="The copy's name; generated (`<name>-run-<hex>`) when left out.",
        json_schema_extra={"pattern": LOCAL_NAME_PATTERN, "maxLength": LOCAL_NAME_MAX},
    )
    remember: bool = Field(False, description="Ignored: a throwaway copy is not started again.")

    @field_validator("new_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        error = local_name_error(value)
        if error is not None:
            raise ValueError(error)
        return value


def copy_name(source: str) -> str:
    """`<source>-run-<6 hex>`: from an image's last path part without its tag or digest."""
    base = source.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("._-") or "vm"
    return f"{base[:100]}-run-{secrets.token_hex(3)}"


class ThrowawayRuns:
    def __init__(self, ctx: OperationsContext, deletes: DeleteActions) -> None:
        self.ctx = ctx
        self.deletes = deletes
        self._reaper: asyncio.Task[None] | None = None

    async def run_copy(self, name: str, request: RunCopyRequest) -> Task:
        ctx = self.ctx
        await ctx.backend.check("run-copy", None)
        source = ctx.inventory.find(name)
        if source is None and not is_remote(name):
            source = await ctx.inventory.lookup(name)
        source_ref = source.name if source is not None else name
        new_name = request.new_name or copy_name(source_ref)
        ctx.engine.check_claims({source_ref: "shared", new_name: "exclusive"})
        await ctx.check_new_name(new_name, source)
        try:
            wanted = request.model_dump(exclude_unset=True, exclude={"new_name"})
            options = StartRequest.model_validate(wanted).merged(VMStartOptions())
        except PydanticValidationError as exc:
            raise InvalidInput(validation_detail(exc)) from exc
        guess = "darwin" if "macos" in source_ref.lower() else None  # OCI: no tart get
        os_name = (source.os if source is not None else None) or guess
        check_for_vm(options, os_name=os_name, suspended=False)
        source_os = os_name
        checks = ctx.checks
        copy = VM(name=new_name, status="stopped", kind="working_vm", os=os_name)
        if checks is not None:
            # Apple's two-macOS-VM limit applies before the clone: no copy made in vain
            os_name = await checks.before_start(copy, os_hint=os_name)

        async def work(run: TaskRun) -> dict[str, Any]:
            cloned = await ctx.backend.clone(source_ref, new_name, run)
            ctx.records.forget(new_name)
            ctx.records.mark_throwaway(new_name, source_ref)
            run.log(f"{new_name} is a throwaway copy: it is deleted when it stops")
            ctx.inventory.invalidate(new_name)
            seen = ctx.backend.peek(new_name)  # a copy runs its source's OS: Linux's display
            opts = options.for_guest(seen.os if seen is not None else source_os).to_backend()
            started = await ctx.backend.start(new_name, run, opts)
            if checks is not None:
                started = checks.after_start(new_name, started, run)
            return {
                **cloned,
                **started,
                "name": new_name,
                "throwaway": True,
                "message": f"{new_name} (a throwaway copy of {source_ref}) "
                + started.get("message", "started"),
            }

        claims: dict[str, ClaimMode] = {source_ref: "shared", new_name: "exclusive"}
        macos = (new_name, os_name)
        return await ctx.submit("run-copy", new_name, claims, work, (new_name,), macos_start=macos)

    # --- the reaper ------------------------------------------------------------------------

    def start(self) -> None:
        self._reaper = asyncio.create_task(self._reap_loop())

    async def close(self) -> None:
        if self._reaper is not None and not self._reaper.done():
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reaper

    async def _reap_loop(self) -> None:
        await self.ctx.inventory.ready()
        while not self.ctx.engine.closing:
            with contextlib.suppress(Exception):
                await self.reap()
            await asyncio.sleep(REAP_INTERVAL)

    async def reap(self) -> list[str]:
        """Delete every throwaway copy that has stopped and no task holds; forget the marks of
        copies that are gone. Returns the names whose deletion was submitted."""
        ctx = self.ctx
        if ctx.inventory.age is None:
            return []  # not refreshed yet: "not in the inventory" means nothing
        submitted = []
        for name in ctx.records.throwaways():
            if ctx.engine.busy(name):
                continue
            vm = ctx.inventory.find(name)
            if vm is None:
                if not ctx.inventory.stale:
                    ctx.records.forget(name)  # deleted, at a terminal or by us
                continue
            if vm.status != "stopped" or vm.state == "suspended":
                continue
            try:
                await self.deletes.delete(name)
            except TaartError as exc:
                # e.g. it runs again after all (409): judged afresh on the next round
                log.info("throwaway %s not deleted yet: %s", name, exc.detail)
                continue
            submitted.append(name)
        return submitted
