"""Pydantic models: the single source of truth for the wire format (api.md "Models").

Field names and status values are the seed's contract; extra fields are additions the UI uses
and never replace a seed field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .names import local_name_error, remote_name_error

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


class VMImage(BaseModel):
    """An image of the catalog that can be pulled."""

    model_config = ConfigDict(extra="allow")

    name: str
    url: str
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    updated_at: str | None = None
    origin: Literal["github", "registry", "builtin"] | None = Field(
        None,
        description="`github`: listed through the GitHub Packages API (token); `registry`: "
        "the maintained list, tags read anonymously from the registry; `builtin`: the "
        "maintained list with its usual tags, unchecked (nothing answered, no token).",
    )
    os: Literal["macos", "linux"] | None = None
    stale: bool = Field(False, description="The last fetch failed; this is the last known list.")
    stale_reason: str | None = Field(None, description="Why the fetch failed, when `stale`.")
    fetched_at: str | None = Field(None, description="When the catalog was fetched (ISO 8601).")


class VMImagesSummary(BaseModel):
    base_images: list[VM]
    working_vms: list[VM]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    backend: str
    tart_available: bool | None = None
    inventory_stale: bool = False
    inventory_age: float | None = Field(None, description="Seconds since the last good refresh.")
    demo: bool = False


class TartVersion(BaseModel):
    version: str


class GitHubTokenStatus(BaseModel):
    configured: bool
    masked_token: str | None = None
    source: Literal["settings", "environment"] | None = None


class GitHubTokenUpdate(BaseModel):
    token: str = Field("", max_length=1024)

    @field_validator("token")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if any(ch.isspace() for ch in value) or not value.isprintable():
            raise ValueError("a GitHub token has no spaces or control characters")
        return value


# --- request bodies ------------------------------------------------------------------------


def _check_local(value: str) -> str:
    error = local_name_error(value)
    if error is not None:
        raise ValueError(error)
    return value


def _check_remote(value: str) -> str:
    value = value.strip()
    error = remote_name_error(value)
    if error is not None:
        raise ValueError(error)
    return value


class EmptyBody(BaseModel):
    """Bodies of start/stop/delete: `{}` or nothing."""

    model_config = ConfigDict(extra="ignore")


class PullRequest(BaseModel):
    oci_url: str = Field(..., examples=["ghcr.io/cirruslabs/macos-sequoia-base:latest"])

    _valid = field_validator("oci_url")(_check_remote)


class CloneRequest(BaseModel):
    new_name: str = Field(..., examples=["my-clone"])
    start_after_clone: bool = False

    _valid = field_validator("new_name")(_check_local)


class CreateRequest(BaseModel):
    name: str = Field(..., examples=["dev-vm"])
    source_vm: str = Field(..., examples=["ghcr.io/cirruslabs/macos-sequoia-base:latest"])
    cpu: int = Field(4, ge=1, le=128, description="Virtual CPUs.")
    memory: int = Field(8, ge=1, le=1024, description="Memory in GB.")
    disk_size: int = Field(50, ge=1, le=65535, description="Disk size in GB (grow only).")

    _valid = field_validator("name")(_check_local)

    @field_validator("source_vm")
    @classmethod
    def _source(cls, value: str) -> str:
        value = value.strip()
        if local_name_error(value) is None or remote_name_error(value) is None:
            return value
        raise ValueError(f"{value!r} is neither a local VM name nor an OCI reference")
