"""Pydantic models: the single source of truth for the wire format (api.md "Models").

Field names and status values are the seed's contract; extra fields are additions the UI uses
and never replace a seed field.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from . import schema_rules as rules
from .names import (
    LOCAL_NAME_MAX,
    LOCAL_NAME_PATTERN,
    REMOTE_NAME_PATTERN,
    local_name_error,
    remote_name_error,
)
from .schema_rules import WireInt, json_numbers

# The name rules, stated in the OpenAPI document only: the validators below enforce them with
# messages that say what is wrong, which a bare `pattern` failure would not.
_LOCAL_SCHEMA: JsonDict = {"pattern": LOCAL_NAME_PATTERN, "maxLength": LOCAL_NAME_MAX}
_REMOTE_SCHEMA: JsonDict = {"pattern": REMOTE_NAME_PATTERN, "maxLength": 512}
_SOURCE_SCHEMA: JsonDict = {"anyOf": [_LOCAL_SCHEMA, _REMOTE_SCHEMA]}

VMStatus = Literal["running", "stopped", "unknown"]
VMState = Literal["running", "stopped", "suspended", "unknown"]
TaskStatus = Literal["pending", "running", "completed", "failed"]
FINAL_STATUSES: frozenset[str] = frozenset({"completed", "failed"})


class VM(BaseModel):
    """One entry of the inventory: a working VM or a pulled base image."""

    model_config = ConfigDict(extra="allow")

    name: str
    status: VMStatus
    ip_address: str | None = None
    source: str | None = Field(None, description="Tart's Source column: `local` or `OCI`.")
    os: str | None = None
    cpu: int | None = None
    memory: str | None = Field(None, description="Normalised, e.g. `8G`.")
    disk_size: int | str | None = Field(None, description="Disk size in GB.")
    display: str | None = None
    state: VMState = Field("unknown", description="Tart's State; `suspended` keeps status stopped.")
    size: int | None = Field(None, description="Allocated size on disk in GB.")
    digest: str | None = Field(None, description="`sha256:...` a base image's tag points to.")
    accessed: str | None = Field(None, description="Last access, ISO 8601.")
    kind: Literal["base_image", "working_vm"] = "working_vm"
    worker: str | None = Field(None, description="Orchard worker running the VM.")
    image: str | None = Field(None, description="Orchard: the image the VM was made from.")
    phase: str | None = Field(
        None,
        description="Orchard lifecycle: queued, creating, running, restarting, stopping, "
        "stopped, suspending, suspended or failed.",
    )
    status_message: str | None = Field(None, description="Orchard's last word on the VM.")
    restart_count: int | None = Field(None, description="Orchard OnFailure restarts so far.")
    local_name: str | None = Field(None, description="Orchard: the Tart VM name on the worker.")
    created_at: str | None = Field(None, description="Orchard: creation time, ISO 8601.")
    ip_resolver: str | None = Field(
        None, description="`tart ip --resolver` used for this VM: dhcp, arp or agent."
    )
    ip_diagnosis: str | None = Field(
        None, description="Why a running VM has no IP address yet, in one sentence."
    )
    started_at: float | None = Field(
        None, description="When this app started the VM's current run (unix time)."
    )
    labels: list[str] = Field(
        default_factory=list, description="The user's labels (`key` or `key=value`)."
    )
    notes: str | None = Field(None, description="The user's notes about the VM, Markdown.")
    ssh_user: str | None = Field(None, description="User name for `ssh` (default `admin`).")
    throwaway: bool = Field(False, description="A throwaway copy: deleted when it stops.")


class VMConfig(BaseModel):
    """A VM's configuration from `tart get --format json`."""

    name: str
    cpu: int | None = None
    memory: str | None = Field(None, description="Normalised, e.g. `8G`.")
    disk_size: str | None = Field(None, description="Normalised, e.g. `50G`.")
    raw: dict[str, Any] = Field(default_factory=dict, description="Tart's JSON, untouched.")


class Task(BaseModel):
    """A long operation; the request that made it answers at once."""

    id: str
    action: str
    status: TaskStatus = "pending"
    command: list[str] | None = None
    exit_code: int | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    stderr: str | None = None
    created_at: float
    updated_at: float
    logs: list[str] = Field(default_factory=list)
    vm: str | None = Field(None, description="The VM or image the task acts on.")
    progress: float | None = Field(None, description="0-100 where the operation reports it.")
    cancelled: bool = Field(
        False,
        description="The user cancelled the task (`POST /api/tasks/{id}/cancel`). Its `status` "
        "stays the seed's `failed`, so older clients keep working; a UI shows it as "
        "Cancelled rather than as a failure. False for every other end (a server "
        "shutdown's interruption included).",
    )


class VMImage(BaseModel):
    """An image of the catalog that can be pulled."""

    model_config = ConfigDict(extra="allow")

    name: str
    url: str
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    updated_at: str | None = None
    origin: Literal["github", "registry", "builtin", "simulator"] | None = Field(
        None,
        description="`github`: listed through the GitHub Packages API (token); `registry`: "
        "the maintained list, tags read anonymously from the registry; `builtin`: the "
        "maintained list with its usual tags, unchecked (nothing answered, no token); "
        "`simulator`: `--demo`, the images the simulated registry serves (no network).",
    )
    os: Literal["macos", "linux"] | None = None
    stale: bool = Field(False, description="The last fetch failed; this is the last known list.")
    stale_reason: str | None = Field(None, description="Why the fetch failed, when `stale`.")
    fetched_at: str | None = Field(None, description="When the catalog was fetched (ISO 8601).")


class VMImagesSummary(BaseModel):
    base_images: list[VM]
    working_vms: list[VM]


class Worker(BaseModel):
    """An Orchard worker (a Mac that runs VMs) with what it holds and what is left."""

    name: str
    online: bool = Field(..., description="Seen within the controller's offline timeout.")
    paused: bool = Field(False, description="Scheduling paused: no new VMs are placed here.")
    last_seen: str | None = Field(None, description="Last heartbeat, ISO 8601; None = never.")
    last_seen_age: float | None = Field(None, description="Seconds since the last heartbeat.")
    arch: str | None = None
    runtime: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    slots: int | None = Field(None, description="VM slots (org.cirruslabs.tart-vms).")
    slots_used: int = Field(0, description="Slots held by VMs scheduled here.")
    cpu: int | None = Field(None, description="Logical CPU cores of the worker.")
    cpu_used: int = Field(0, description="CPUs assigned to VMs scheduled here.")
    memory_mb: int | None = Field(None, description="Memory of the worker in MiB.")
    memory_used_mb: int = Field(0, description="Memory assigned to VMs scheduled here, MiB.")
    resources: dict[str, int] = Field(default_factory=dict, description="Raw capacity.")
    resources_used: dict[str, int] = Field(
        default_factory=dict, description="Raw resources held by VMs scheduled here."
    )
    vms: list[str] = Field(default_factory=list, description="Names of VMs placed here.")
    running_vms: int = Field(0, description="How many of them run now.")


class ErrorResponse(BaseModel):
    """Every error answer: a sentence, or FastAPI's list of field errors for a bad body."""

    detail: str | list[dict[str, Any]]


# --- request bodies ------------------------------------------------------------------------


def _check_local(value: str) -> str:
    error = local_name_error(value)
    if error is not None:
        raise ValueError(error)
    return value


def _check_remote(value: str) -> str:
    error = remote_name_error(value)
    if error is not None:
        raise ValueError(error)
    return value


class EmptyBody(BaseModel):
    """Bodies of start/stop/delete: `{}` or nothing."""

    model_config = ConfigDict(strict=True, extra="ignore")


class PullRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    oci_url: str = Field(
        ...,
        examples=["ghcr.io/cirruslabs/macos-sequoia-base:latest"],
        json_schema_extra=_REMOTE_SCHEMA,
    )

    _valid = field_validator("oci_url")(_check_remote)


class CloneRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    new_name: str = Field(..., examples=["my-clone"], json_schema_extra=_LOCAL_SCHEMA)
    start_after_clone: bool = False
    allow_running: bool = Field(
        False,
        description="Clone a running VM anyway: Tart copies its disk while the guest writes "
        "to it, a crash-consistent copy (as if the power had been cut).",
    )

    _valid = field_validator("new_name")(_check_local)


class CreateRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    name: str = Field(..., examples=["dev-vm"], json_schema_extra=_LOCAL_SCHEMA)
    source_vm: str = Field(
        ...,
        examples=["ghcr.io/cirruslabs/macos-sequoia-base:latest"],
        json_schema_extra=_SOURCE_SCHEMA,
    )
    cpu: WireInt = Field(4, ge=1, le=128, description="Virtual CPUs.")
    memory: WireInt = Field(8, ge=1, le=1024, description="Memory in GB.")
    disk_size: WireInt = Field(50, ge=1, le=65535, description="Disk size in GB (grow only).")
    os: Literal["linux", "macos"] | None = Field(
        None,
        description="The guest's OS, for an Orchard fleet: `linux` keeps the VM out of a "
        "worker's two macOS slots. Unset: the catalog's word for an image it knows, else macOS.",
    )
    _numbers = json_numbers("cpu", "memory", "disk_size")

    _valid = field_validator("name")(_check_local)

    @field_validator("source_vm")
    @classmethod
    def _source(cls, value: str) -> str:
        if local_name_error(value) is None or remote_name_error(value) is None:
            return value
        raise ValueError(f"{value!r} is neither a local VM name nor an OCI reference")


# --- a VM's whole life: shut down, edit, rename, create from scratch (lifecycle) ------------

DISPLAY_RE = r"^[1-9][0-9]{2,4}x[1-9][0-9]{2,4}(pt|px)?$"


class ShutdownRequest(BaseModel):
    """Body of `POST /api/vms/{name}/shutdown`; `{}` or no body waits 60 s and does not force."""

    model_config = ConfigDict(strict=True, extra="ignore")

    timeout: float = Field(60, ge=1, le=3600, description="Seconds to wait for the guest.")
    force_after: bool = Field(
        False, description="Power the VM off (`tart stop`) when the guest has not shut down."
    )


class ConfigUpdate(BaseModel):
    """Body of `PATCH /api/vms/{name}/config`: only the fields given change (VM stopped)."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=rules.CONFIG_UPDATE)

    cpu: WireInt | None = Field(None, ge=1, le=128, description="Virtual CPUs.")
    memory: WireInt | None = Field(None, ge=1, le=1024, description="Memory in GB.")
    memory_mb: WireInt | None = Field(None, ge=512, le=1048576, description="Memory in MB.")
    display: str | None = Field(
        None, pattern=DISPLAY_RE, description="`WIDTHxHEIGHT`, optionally `pt`/`px`."
    )
    disk_size: WireInt | None = Field(None, ge=1, le=65535, description="GB; grow only.")
    random_mac: bool = Field(False, description="Give the VM a new random MAC address.")
    _numbers = json_numbers("cpu", "memory", "memory_mb", "disk_size")

    @model_validator(mode="after")
    def _something(self) -> ConfigUpdate:
        if self.memory is not None and self.memory_mb is not None:
            raise ValueError("give memory (GB) or memory_mb, not both")
        if not self.model_fields_set - {"random_mac"} and not self.random_mac:
            raise ValueError(
                "nothing to change: give cpu, memory, display, disk_size or random_mac"
            )
        return self

    @property
    def memory_in_mb(self) -> int | None:
        return self.memory * 1024 if self.memory is not None else self.memory_mb


class RenameRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    new_name: str = Field(..., examples=["dev-2"], json_schema_extra=_LOCAL_SCHEMA)

    _valid = field_validator("new_name")(_check_local)


class CreateEmptyRequest(BaseModel):
    """Body of `POST /api/vms/create-empty`: a VM from scratch, not from an image."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=rules.CREATE_EMPTY)

    name: str = Field(..., examples=["debian"], json_schema_extra=_LOCAL_SCHEMA)
    os: Literal["linux", "macos"] = "linux"
    disk_size: WireInt = Field(50, ge=1, le=65535, description="Disk size in GB.")
    ipsw: str | None = Field(
        None,
        description="macOS only: `latest`, an https URL of an .ipsw, or an absolute path to one.",
        examples=["latest"],
        json_schema_extra={"pattern": rules.IPSW_PATTERN},
    )
    iso: str | None = Field(
        None,
        description="Linux only: an installer ISO (absolute path) to attach at start.",
        json_schema_extra=rules.ISO,
    )
    cpu: WireInt | None = Field(None, ge=1, le=128)
    memory: WireInt | None = Field(None, ge=1, le=1024, description="GB.")
    _numbers = json_numbers("disk_size", "cpu", "memory")

    _valid = field_validator("name")(_check_local)

    @field_validator("ipsw")
    @classmethod
    def _ipsw(cls, value: str | None) -> str | None:
        if value is None or value == "latest":
            return value
        if re.fullmatch(r"https?://[^\s]+", value) or (
            value.startswith("/") and value.lower().endswith(".ipsw")
        ):
            return value
        raise ValueError("ipsw is 'latest', an http(s) URL, or an absolute path to an .ipsw file")

    @model_validator(mode="after")
    def _per_os(self) -> CreateEmptyRequest:
        if self.os == "linux" and self.ipsw is not None:
            raise ValueError("ipsw installs macOS: leave it out for os 'linux'")
        if self.os == "macos" and self.iso is not None:
            raise ValueError("iso is for Linux installers: macOS installs from ipsw")
        return self


class ActionState(BaseModel):
    allowed: bool
    reason: str | None = Field(None, description="Why not, in words for the user.")


class VMActions(BaseModel):
    """What can be done to a VM now, and why not: the UI enables its buttons from this."""

    name: str
    state: VMState
    started_by_server: bool = Field(..., description="This server started the current run.")
    suspendable: bool | None = Field(None, description="The current run can be suspended.")
    start: ActionState
    resume: ActionState
    suspend: ActionState
    shutdown: ActionState
    stop: ActionState
    edit: ActionState
    rename: ActionState
    delete: ActionState
    clone: ActionState = Field(
        default_factory=lambda: ActionState(allowed=True),
        description="Clone it (Orchard: only a stopped or suspended VM, pinned to its worker).",
    )
    unsupported: list[str] = Field(
        default_factory=list,
        description="The actions above that the backend cannot do on this VM at all (e.g. "
        "Orchard never starts a stopped VM again), as opposed to 'not now'; each one's "
        "`reason` says what the backend offers instead.",
    )
