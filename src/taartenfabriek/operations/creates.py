"""Making VMs: pull an image, clone a VM or image (and start the clone), create one from a
source with its own CPU, memory and disk, or create an empty one from an installer.

The name checks (taken: 409; source gone: 404) and the room checks (507) run before any task.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import ValidationError

from ..backends.base import StartOptions
from ..core.errors import Conflict, InvalidInput
from ..core.models import VM, CloneRequest, CreateEmptyRequest, CreateRequest, PullRequest, Task
from ..core.names import is_remote, parse_remote
from ..tasks.engine import ClaimMode, TaskRun
from .context import OperationsContext, check_host
from .start_checks import check_for_vm
from .start_options import (
    ExtraDisk,
    VMStartOptions,
    default_display,
    validation_detail,
)


class CreateActions:
    def __init__(self, ctx: OperationsContext) -> None:
        self.ctx = ctx

    async def pull(self, request: PullRequest) -> Task:
        ctx = self.ctx
        await ctx.backend.check("pull", None)
        parsed = parse_remote(request.oci_url)
        canonical = str(parsed) if parsed else request.oci_url
        note = await ctx.checks.before_pull(request.oci_url) if ctx.checks else None

        async def work(run: TaskRun) -> dict[str, Any]:
            if note:
                run.log(note)
            return await ctx.backend.pull(request.oci_url, run)

        return await ctx.submit("pull", canonical, {canonical: "exclusive"}, work, (canonical,))

    async def clone(self, name: str, request: CloneRequest) -> Task:
        ctx = self.ctx
        ctx.engine.check_claims({name: "shared", request.new_name: "exclusive"})
        source = await ctx.inventory.lookup(name)
        await ctx.backend.check("clone", source)
        await ctx.check_new_name(request.new_name, source)
        if source.kind == "working_vm" and ctx.backend.kind == "local":
            state = (await ctx.state_now(source))[0]
            if state == "running" and not request.allow_running:
                # Tart copies the disk without the VM's lock (Tart Clone.swift:58-77)
                raise Conflict(
                    f"{source.name} is running: Tart would copy its disk while the guest "
                    "writes to it, a crash-consistent copy (as if the power had been cut). "
                    "Shut it down first, or clone it anyway with allow_running true"
                )
        new_name = request.new_name
        checks = ctx.checks
        lowered = source.name.lower()
        guess = "darwin" if "macos" in lowered else None  # OCI: no tart get
        if guess is None and any(word in lowered for word in ("ubuntu", "debian", "fedora")):
            guess = "linux"
        source_os = source.os or guess
        macos: tuple[str, str | None] | None = None
        if request.start_after_clone and checks is not None:
            clone = VM(name=new_name, status="stopped", kind="working_vm")
            os_name = await checks.before_start(clone, os_hint=source_os)
            macos = (new_name, os_name)

        async def work(run: TaskRun) -> dict[str, Any]:
            result = await ctx.backend.clone(source.name, new_name, run)
            ctx.records.forget(new_name)
            if not request.start_after_clone:
                return result
            ctx.inventory.invalidate(new_name)
            seen = ctx.backend.peek(new_name)  # a clone runs its source's OS
            display = default_display(seen.os if seen is not None else source_os)
            started = await ctx.backend.start(new_name, run, StartOptions(display=display))
            if checks is not None:
                started = checks.after_start(new_name, started, run)
            return {
                **result,
                **started,
                "message": f"cloned {source.name} to {new_name}; "
                + started.get("message", "started"),
            }

        claims: dict[str, ClaimMode] = {source.name: "shared", new_name: "exclusive"}
        return await ctx.submit("clone", new_name, claims, work, (new_name,), macos_start=macos)

    async def create(self, request: CreateRequest) -> Task:
        ctx = self.ctx
        source_name = request.source_vm
        ctx.engine.check_claims({source_name: "shared", request.name: "exclusive"})
        source = ctx.inventory.find(source_name)
        if source is None and not is_remote(source_name):
            source = await ctx.inventory.lookup(source_name)
        await ctx.backend.check("create", source)
        await ctx.check_new_name(request.name, source)
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
        if source is None and ctx.checks is not None:
            note = await ctx.checks.before_pull(source_ref)  # tart clone pulls it first

        async def work(run: TaskRun) -> dict[str, Any]:
            ctx.records.forget(request.name)
            if note:
                run.log(note)
            return await ctx.backend.create(
                request.name,
                source_ref,
                run,
                cpu=request.cpu,
                memory_gb=request.memory,
                disk_size_gb=request.disk_size,
                os=request.os,
            )

        claims: dict[str, ClaimMode] = {source_ref: "shared", request.name: "exclusive"}
        return await ctx.submit("create", request.name, claims, work, (request.name,))

    async def create_empty(self, request: CreateEmptyRequest) -> Task:
        ctx = self.ctx
        await ctx.backend.check("create-empty", None)
        await ctx.check_new_name(request.name)
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
        if ctx.backend.kind == "local":
            check_host(request.cpu, memory_mb)

        async def work(run: TaskRun) -> dict[str, Any]:
            started = time.monotonic()
            result = await ctx.backend.create_empty(
                name, run, os=request.os, disk_size_gb=request.disk_size, ipsw=ipsw
            )
            if request.cpu or memory_mb:
                try:
                    await ctx.backend.set_config(name, run, cpu=request.cpu, memory_mb=memory_mb)
                except BaseException:
                    run.log(f"configuration failed: deleting the half-made VM {name}")
                    await ctx.backend.delete(name, run)
                    raise
            ctx.records.forget(name)
            ctx.records.set_start_options(name, options)
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

        return await ctx.submit("create-empty", name, {name: "exclusive"}, work, (name,))
