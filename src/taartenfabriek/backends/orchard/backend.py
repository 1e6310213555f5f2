"""OrchardBackend: the same API over a fleet of Macs, through an Orchard controller.

A refresh is ONE `GET /v1/vms` whatever the fleet's size: the list already carries status,
worker, sizes and image. IPs are asked for on demand (`GET /ip?wait=`, which runs `tart ip`
on a worker) by the tasks that start VMs, and remembered per VM incarnation.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from ...core.errors import BackendUnavailable, TaartError, Unsupported
from ...core.health import TartCapabilities
from ...core.images import image_os
from ...core.models import VM, Worker
from ...core.names import is_remote
from ...tart.parse import config_fields
from ..base import Peeked, RunHandle, StartOptions, TaskContext
from . import advice
from .addresses import address
from .capabilities import ControllerFacts, ControllerInfo
from .client import OrchardClient, path
from .clones import clone_spec
from .context import Connection
from .follow import Follower
from .mapping import (
    SETTLED,
    UNPOWERED,
    ip_key,
    phase,
    summarise_worker,
    summarise_workers,
    to_config,
    to_vm,
)

log = logging.getLogger(__name__)
Json = dict[str, Any]

STARTABLE = ("queued", "creating", "running", "restarting")
"""A start of these follows the VM until it runs (Orchard starts it by itself)."""


class OrchardBackend:
    kind = "orchard"
    list_has_config = True

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: float = 60,
        long_timeout: float = 6 * 3600,
        ip_timeout: float = 90,
        queue_wait: float = 10,
        offline_after: float = 180,
        poll_interval: float = 1.0,
    ) -> None:
        self.client = OrchardClient(connection, timeout=timeout)
        self.timeout = timeout
        self.long_timeout = long_timeout
        self.ip_timeout = ip_timeout
        self.queue_wait = queue_wait
        self.offline_after = offline_after
        self.poll_interval = poll_interval
        self._ips: dict[str, str] = {}
        self._facts = ControllerInfo(self.client)
        self._looks: dict[str, asyncio.Future[Json]] = {}

    # --- reads -----------------------------------------------------------------------------

    async def version(self) -> str:
        return (await self._facts.read()).version or "unknown"

    async def controller(self, wait: float = 5.0) -> ControllerFacts:
        """The controller's version and what it can do, read once; after `wait` seconds
        without an answer: unknown (the question goes on)."""
        return await self._facts.get(wait)

    async def _watching(self) -> bool:
        """Watch unless the controller is known to be too old (the follower also falls back
        by itself when a watch answers something else)."""
        return (await self.controller()).watch is not False

    async def list_vms(self) -> list[VM]:
        raws = await self.client.list_vms()
        return [to_vm(raw, self._ips.get(ip_key(raw))) for raw in raws]

    def peek(self, name: str) -> Peeked | None:
        """Orchard VMs live on workers: only the controller can say what they are now."""
        return None

    def watch(self, changed: Callable[[frozenset[str]], None]) -> None:
        """Nothing to watch here: the controller is asked at every refresh."""

    def watch_status(self) -> tuple[Literal["files", "periodic"], str]:
        return "periodic", "Orchard's VMs live on its workers: the controller is asked each refresh"

    def known_config(self, name: str) -> dict[str, Any] | None:
        return None

    async def capabilities(self, wait: float = 10.0) -> TartCapabilities | None:
        """Tart runs on the workers: what their Macs allow is the controller's to say."""
        return None

    def config_fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        return config_fields(raw)  # `get_config` speaks `tart get`'s keys (mapping.to_config)

    def describe_prune(self, **criteria: Any) -> list[str]:
        return []  # no prune here: workers keep their own caches

    def describe_start(self, name: str, options: StartOptions) -> list[str]:
        """A start follows the VM's watch stream until a worker runs it (see `start`)."""
        return ["GET", f"{self.client.base_url}{path('vms', name)}?watch=true"]

    async def get_config(self, name: str) -> dict[str, Any]:
        return to_config(await self._look(name))

    async def _look(self, name: str) -> Json:
        """`GET /v1/vms/{name}`, one request for all who ask at the same moment: the
        `/actions` route checks eight actions and reads the state of one VM at once."""
        pending = self._looks.get(name)
        if pending is None:
            pending = asyncio.ensure_future(self.client.get_vm(name))
            self._looks[name] = pending

            def done(future: asyncio.Future[Json]) -> None:
                if self._looks.get(name) is future:
                    del self._looks[name]
                if not future.cancelled():
                    future.exception()  # retrieved, even if every asker was cancelled

            pending.add_done_callback(done)
        return copy.deepcopy(await asyncio.shield(pending))

    # --- what Orchard cannot do --------------------------------------------------------------

    async def check(self, action: str, vm: VM | None) -> None:
        refused = advice.REFUSED.get(action)
        if refused is not None:
            raise Unsupported(refused)
        if action not in ("start", "stop", "suspend", "delete", "clone", "create"):
            raise Unsupported(advice.OTHER.format(action=action))
        if vm is None or action == "delete":
            return
        raw = await self._look(vm.name)
        current = phase(raw)
        if action == "start" and current not in STARTABLE:
            raise advice.cannot_start(raw, current)
        if action in ("stop", "suspend") and current in (*UNPOWERED, "stopping", "suspending"):
            raise advice.cannot_stop(raw, current)
        if action == "suspend" and (current != "running" or not raw.get("suspendable")):
            raise advice.cannot_suspend(raw, current)
        if action in ("clone", "create"):
            await clone_spec(self.client, raw, "check")

    # --- operations --------------------------------------------------------------------------

    async def start(self, name: str, ctx: TaskContext, options: StartOptions) -> dict[str, Any]:
        """Orchard starts VMs only when it creates them: follow a queued or new VM until it
        runs, then ask for its IP; a stopped one cannot be started (Unsupported)."""
        raw = await self.client.get_vm(name)
        current = phase(raw)
        if current not in STARTABLE:
            raise advice.cannot_start(raw, current)
        ctx.set_command(self.describe_start(name, options))
        vm = await self._settle(name, ctx, known=raw, cleanup=False, watch=await self._watching())
        if vm is None:
            return advice.queued(name)
        return {"message": f"VM {name} is running", **await self._address(vm, ctx)}

    async def stop(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        return await self._power(name, "stopped", ctx)

    async def suspend(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        """`powerState: suspended`: only for VMs created suspendable, and final in Orchard."""
        return await self._power(name, "suspended", ctx)

    async def _power(self, name: str, target: str, ctx: TaskContext) -> dict[str, Any]:
        watch = await self._watching()  # asked before the change, so no step is missed
        raw = await self.client.get_vm(name)
        current = phase(raw)
        if current in UNPOWERED:
            return {"message": f"VM {name} is already {current}"}
        if current not in ("stopping", "suspending"):
            raw["powerState"] = target
            url = f"{self.client.base_url}{path('vms', name)}"
            ctx.set_command(["PUT", url])
            ctx.log(f"PUT {path('vms', name)} powerState={target}")
            await self.client.update_vm(raw)
        async with Follower(
            self.client,
            name,
            ctx,
            known=raw,
            poll_interval=self.poll_interval,
            watch=watch,
        ) as f:
            vm = await f.until(lambda v: phase(v) in (*UNPOWERED, "failed"), self.timeout + 30)
        if vm is None:
            raise BackendUnavailable(
                f"worker {raw.get('worker')} did not confirm that {name} is {target} within "
                f"{self.timeout + 30:g} s; Orchard keeps the request and will stop it",
                status_code=504,
            )
        self._ips.pop(ip_key(vm), None)
        ctx.log(
            f"note: Orchard cannot start {name} again; its disk stays as {advice.where(vm)} "
            "and can be cloned into a new, running VM"
        )
        return {"message": f"VM {name} {phase(vm)}", "worker": vm.get("worker")}

    async def delete(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        raw = await self.client.get_vm(name)
        ctx.set_command(["DELETE", f"{self.client.base_url}{path('vms', name)}"])
        await self.client.delete_vm(name)
        self._ips.pop(ip_key(raw), None)
        ctx.log(f"Orchard deleted {name}; the worker removes {advice.where(raw)} in the background")
        return {"message": f"VM {name} deleted", "worker": raw.get("worker")}

    async def pull(self, reference: str, ctx: TaskContext) -> dict[str, Any]:
        raise Unsupported(advice.PULL)

    # Orchard has none of these; `check` refuses them before a task is made.

    async def shutdown(
        self, name: str, ctx: TaskContext, run: RunHandle, *, timeout: float
    ) -> dict[str, Any]:
        raise Unsupported(advice.SHUTDOWN)

    async def owns_run(self, name: str, run: RunHandle) -> bool:
        return False  # no `tart run` of this server ever runs an Orchard VM

    async def set_config(
        self,
        name: str,
        ctx: TaskContext,
        *,
        cpu: int | None = None,
        memory_mb: int | None = None,
        display: str | None = None,
        disk_size_gb: int | None = None,
        random_mac: bool = False,
    ) -> dict[str, Any]:
        raise Unsupported(advice.SET)

    async def rename(self, name: str, new_name: str, ctx: TaskContext) -> dict[str, Any]:
        raise Unsupported(advice.RENAME)

    async def create_empty(
        self,
        name: str,
        ctx: TaskContext,
        *,
        os: Literal["linux", "macos"],
        disk_size_gb: int,
        ipsw: str | None = None,
    ) -> dict[str, Any]:
        raise Unsupported(advice.CREATE_EMPTY)

    async def clone(self, source: str, new_name: str, ctx: TaskContext) -> dict[str, Any]:
        raw = await self.client.get_vm(source)
        spec = await clone_spec(self.client, raw, new_name)
        ctx.log(
            f"note: Orchard always starts the VMs it creates, so {new_name} runs as soon as "
            f"worker {raw.get('worker')} has cloned it (start_after_clone cannot keep it stopped)"
        )
        vm = await self._make(spec, ctx)
        if vm is None:
            return {**advice.queued(new_name), "name": new_name}
        return {
            "message": f"cloned {source} to {new_name} on worker {vm.get('worker')}",
            "name": new_name,
            "worker": vm.get("worker"),
        }

    async def create(
        self,
        name: str,
        source: str,
        ctx: TaskContext,
        *,
        cpu: int,
        memory_gb: int,
        disk_size_gb: int,
        os: Literal["linux", "macos"] | None = None,
    ) -> dict[str, Any]:
        if is_remote(source):
            spec: Json = {"name": name, "image": source, "headless": True}
            # the controller defaults `os` to darwin and then reserves one of the worker's
            # two macOS slots (orchard internal/controller/api_vms.go:66-97): say linux
            if os == "linux" or (os is None and image_os(source) == "linux"):
                spec["os"] = "linux"
        else:
            spec = await clone_spec(self.client, await self.client.get_vm(source), name)
        spec.update(cpu=cpu, memory=memory_gb * 1024, diskSize=disk_size_gb)
        vm = await self._make(spec, ctx)
        if vm is None:
            return {**advice.queued(name), "name": name}
        return {
            "message": f"created {name} from {source} on worker {vm.get('worker')}",
            "name": name,
            "cpu": cpu,
            "memory": f"{memory_gb}G",
            "disk_size": f"{disk_size_gb}G",
            **await self._address(vm, ctx),
        }

    # --- the parts the operations share ----------------------------------------------------

    async def _make(self, spec: Json, ctx: TaskContext) -> Json | None:
        """POST the VM and follow it; None when it is queued for want of a free worker."""
        name = str(spec["name"])
        ctx.set_command(["POST", f"{self.client.base_url}{path('vms')}"])
        keys = ("image", "cpu", "memory", "diskSize")
        shown = ", ".join(f"{k}={spec[k]}" for k in keys if k in spec)
        ctx.log(f"POST /v1/vms {name}: {shown}")
        watch = await self._watching()  # asked before the POST, so no step is missed
        created = await self.client.create_vm(spec)
        ctx.log(f"Orchard accepted {name} (uid {created.get('uid', '?')}); waiting for a worker")
        return await self._settle(name, ctx, known=created, cleanup=True, watch=watch)

    async def _settle(
        self, name: str, ctx: TaskContext, *, known: Json, cleanup: bool, watch: bool
    ) -> Json | None:
        """Follow the VM until it runs; None if no worker takes it within `queue_wait`.

        With `cleanup`, a VM that fails (or a task the user cancels) is deleted, as a local
        create removes a half-made VM.
        """
        try:
            async with Follower(
                self.client,
                name,
                ctx,
                known=known,
                poll_interval=self.poll_interval,
                watch=watch,
            ) as f:
                placed = await f.until(
                    lambda v: bool(v.get("worker")) or phase(v) in SETTLED, self.queue_wait
                )
                if placed is None or (not placed.get("worker") and phase(placed) not in SETTLED):
                    return None
                vm = await f.until(lambda v: phase(v) in SETTLED, self.long_timeout)
        except asyncio.CancelledError:
            if cleanup and getattr(ctx, "cancel_requested", False):
                ctx.log(f"cancelled: deleting {name} from Orchard")
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.client.delete_vm(name))
            raise
        if vm is not None and phase(vm) == "running":
            ctx.set_progress(100)
            return vm
        reason = (
            f"Orchard could not run {name}: {vm.get('status_message') or phase(vm)}"
            if vm is not None
            else f"{name} did not start within {self.long_timeout:g} s"
        )
        if cleanup:
            ctx.log(f"{reason}; deleting the half-made VM")
            with contextlib.suppress(TaartError):
                await self.client.delete_vm(name)
        raise BackendUnavailable(reason, status_code=502)

    async def _address(self, vm: Json, ctx: TaskContext) -> dict[str, Any]:
        return await address(self.client, vm, self._ips, self.ip_timeout, ctx)

    # --- workers -----------------------------------------------------------------------------

    async def workers(self) -> list[Worker]:
        workers, vms = await asyncio.gather(self.client.list_workers(), self.client.list_vms())
        return summarise_workers(
            workers, vms, now=datetime.now(UTC), offline_after=self.offline_after
        )

    async def set_worker_paused(self, name: str, paused: bool) -> Worker:
        worker = await self.client.get_worker(name)
        worker["scheduling_paused"] = paused
        updated = await self.client.update_worker(worker) or worker
        vms = await self.client.list_vms(worker=name)
        return summarise_worker(updated, vms, datetime.now(UTC), self.offline_after)

    async def close(self) -> None:
        await self.client.close()
