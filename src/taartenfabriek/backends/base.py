"""The VM backend seam: the services talk to this Protocol, never to tart or Orchard directly.

`LocalBackend` drives the `tart` CLI on this Mac; `OrchardBackend` drives an Orchard
controller. A backend method that takes time receives a `TaskContext` to report into; what a
backend needs from the layers above (where to record runs) it receives as a small Protocol
defined here, so no backend imports the services that use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from ..core.health import TartCapabilities
from ..core.models import VM, Worker


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
    serial: bool = False
    """Give the guest a serial console (a pty the server holds; Linux guests)."""


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


class Peeked(Protocol):
    """A VM's state and OS as read where they live, without running anything."""

    @property
    def state(self) -> str: ...

    @property
    def os(self) -> str | None: ...


class RunRecorder(Protocol):
    """Where a backend that spawns `tart run` records each run: its log file, and a sidecar
    with argv, pid, options and exit (care/runlogs.py keeps them; the API and the IP doctor
    read them)."""

    def folder(self, vm: str) -> Path:
        """The folder holding the VM's run logs."""
        ...

    def new_run(self, vm: str, argv: list[str], options: dict[str, Any] | None = None) -> Path:
        """A fresh log file for a run about to start."""
        ...

    def record_pid(self, log_path: Path, pid: int) -> None: ...

    def record_exit(self, log_path: Path, exit_code: int | None) -> None: ...


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

    def peek(self, name: str) -> Peeked | None:
        """The VM's state and OS now without running anything, when this backend can read
        them reliably from where they live (tart/vmdir.py); None: ask `get_config`."""
        ...

    def watch(self, changed: Callable[[frozenset[str]], None]) -> None:
        """Call `changed` (on the event loop, with the VM names concerned; "" for images)
        whenever this backend notices a change it did not make, without running anything
        while nothing changes; a backend that cannot leaves it to the periodic refresh."""
        ...

    def watch_status(self) -> tuple[Literal["files", "periodic"], str]:
        """How outside changes reach the inventory now (`watch`'s or the periodic refresh),
        and why: `/api/health` shows it."""
        ...

    def config_fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        """`get_config`'s answer in common terms: os, cpu, memory, disk_size, display, state;
        the recipes, the inventory and the console read a configuration only through this."""
        ...

    def describe_start(self, name: str, options: StartOptions) -> list[str]:
        """What a start with `options` will run, as shown before it does (the start options'
        preview): the local backend's `tart run` argv, Orchard's request."""
        ...

    def describe_prune(
        self, *, entries: str, older_than_days: int | None, space_budget_gb: int | None
    ) -> list[str]:
        """The `tart prune` a prune with these criteria equals, as shown with its preview."""
        ...

    async def capabilities(self, wait: float = 10.0) -> TartCapabilities | None:
        """Which Tart runs where this backend runs VMs and what it and that Mac allow; None
        for a backend whose Macs are elsewhere (Orchard). Waits at most `wait` seconds for
        `tart --version` (then without the version, nothing refused on a guess)."""
        ...

    async def list_vms(self) -> list[VM]:
        """The full inventory, with IPs of running VMs; OCI digests folded into their tags."""
        ...

    async def get_config(self, name: str) -> dict[str, Any]:
        """The VM's configuration, as `tart get --format json` prints it."""
        ...

    def known_config(self, name: str) -> dict[str, Any] | None:
        """`get_config`'s answer without running anything, where this backend can read it
        reliably (the local backend: the VM's files); None: call `get_config`."""
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
        os: Literal["linux", "macos"] | None = None,
    ) -> dict[str, Any]:
        """Make a configured VM from `source`; a half-made VM is removed on failure. `os`:
        what the user says the image holds (Tart reads it from the image itself)."""
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
