"""The VM backend seam: the services talk to this Protocol, never to tart or Orchard directly.

`LocalBackend` drives the `tart` CLI on this Mac; `OrchardBackend` drives an Orchard
controller. A backend method that takes time receives a `TaskContext` to report into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..core.models import VM, Worker
from ..tart.vmdir import OnDisk


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
    network: Literal["nat", "bridged", "softnet", "host"] = "nat"
    bridged_interfaces: tuple[str, ...] = field(default=())
    rosetta_tag: str | None = None
    dirs: tuple[SharedDir, ...] = field(default=())
    disks: tuple[ExtraDisk, ...] = field(default=())


@dataclass(frozen=True)
class SharedDir:
    """A host folder shared with the guest (`tart run --dir name:path[:ro]`)."""

    name: str
    path: str
    read_only: bool = False
    tag: str | None = None


@dataclass(frozen=True)
class ExtraDisk:
    """An extra disk image attached at start (`tart run --disk path[:ro]`), e.g. an installer."""

    path: str
    read_only: bool = False


@dataclass(frozen=True)
class RunHandle:
    """How this server started a VM's run: enough to find that process again, and only it."""

    pid: int
    command: tuple[str, ...]
    """The full argv spawned (`tart`, `run`, flags..., name)."""
    started_at: float
    """Unix time of the spawn."""


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

    def peek(self, name: str) -> OnDisk | None:
        """The VM's state and OS now without running anything, when this backend can read
        them reliably from where they live (tart/vmdir.py); None: ask `get_config`."""
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

    # --- a VM's whole life (lifecycle); Orchard answers errors.Unsupported -------------------

    async def suspend(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        """Save a running suspendable macOS VM's state to disk and end its run."""
        ...

    async def shutdown(
        self, name: str, ctx: TaskContext, run: RunHandle, *, timeout: float
    ) -> dict[str, Any]:
        """Ask the guest to shut down (through the run this server started) and wait up to
        `timeout` s; raise errors.TartTimeout when it is still running after that."""
        ...

    async def owns_run(self, name: str, run: RunHandle) -> bool:
        """True while `run` still is the live `tart run` of `name` this server started."""
        ...

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
        """Change a stopped VM's configuration (`tart set`)."""
        ...

    async def rename(self, name: str, new_name: str, ctx: TaskContext) -> dict[str, Any]: ...

    async def create_empty(
        self,
        name: str,
        ctx: TaskContext,
        *,
        os: Literal["linux", "macos"],
        disk_size_gb: int,
        ipsw: str | None = None,
    ) -> dict[str, Any]:
        """A VM from scratch: an empty Linux disk, or macOS installed from an IPSW."""
        ...

    async def close(self) -> None: ...
