"""The VM backend seam: the services talk to this Protocol, never to tart or Orchard directly.

`LocalBackend` drives the `tart` CLI on this Mac; `OrchardBackend` drives an Orchard
controller. A backend method that takes time receives a `TaskContext` to report into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..models import VM, Worker


class TaskContext(Protocol):
    """What a running operation may tell its task."""

    cancel_requested: bool
    """True when the user cancelled (not when the server is merely shutting down)."""

    def log(self, line: str) -> None: ...

    def set_command(self, argv: list[str]) -> None: ...

    def set_progress(self, percent: float | None) -> None: ...

    def add_pid(self, pid: int) -> None: ...


@dataclass(frozen=True)
class StartOptions:
    """How to start a VM; the defaults are the seed's `tart run --vnc --no-graphics`."""

    display: Literal["vnc", "vnc-experimental", "none"] = "vnc"
    suspendable: bool = False
    extra_flags: tuple[str, ...] = field(default=())


class Backend(Protocol):
    """Everything the services need from a place that runs VMs."""

    kind: str

    list_has_config: bool
    """True when `list_vms` already carries cpu/memory/os, so no per-VM `get_config` is needed
    to complete the inventory (Orchard's list has them; `tart list` does not)."""

    async def version(self) -> str: ...

    async def check(self, action: str, vm: VM | None) -> None:
        """Raise `errors.Unsupported` when this backend cannot do `action` (on `vm`).

        Called before any task is made, so the client gets a 409 with what to do instead.
        """
        ...

    async def list_vms(self) -> list[VM]:
        """The full inventory, with IPs of running VMs; OCI digests folded into their tags."""
        ...

    async def get_config(self, name: str) -> dict[str, Any]:
        """The VM's configuration, as `tart get --format json` prints it."""
        ...

    async def start(self, name: str, ctx: TaskContext, options: StartOptions) -> dict[str, Any]:
        """Start the VM and wait for its IP; the result has message, ip_address, vnc_url."""
        ...

    async def stop(self, name: str, ctx: TaskContext) -> dict[str, Any]: ...

    async def delete(self, name: str, ctx: TaskContext) -> dict[str, Any]: ...

    async def pull(self, reference: str, ctx: TaskContext) -> dict[str, Any]: ...

    async def clone(self, source: str, new_name: str, ctx: TaskContext) -> dict[str, Any]: ...

    async def create(
        self,
        name: str,
        source: str,
        ctx: TaskContext,
        *,
        cpu: int,
        memory_gb: int,
        disk_size_gb: int,
    ) -> dict[str, Any]:
        """Make a configured VM from `source`; a half-made VM is removed on failure."""
        ...

    async def workers(self) -> list[Worker]:
        """The hosts that run VMs, with capacity and use (Orchard); Unsupported elsewhere."""
        ...

    async def set_worker_paused(self, name: str, paused: bool) -> Worker:
        """Pause or resume placing new VMs on a worker."""
        ...

    async def close(self) -> None: ...
