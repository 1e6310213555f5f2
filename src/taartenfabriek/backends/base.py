"""The VM backend seam: the services talk to this Protocol, never to tart or Orchard directly.

`LocalBackend` drives the `tart` CLI on this Mac; `OrchardBackend` drives an Orchard
controller. A backend method that takes time receives a `TaskContext` to report into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..models import VM


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

    async def version(self) -> str: ...

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

    async def close(self) -> None: ...
