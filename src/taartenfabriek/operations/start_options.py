"""Start options: how a VM runs (display, network, shared folders, extra disks, Rosetta,
suspendable), as the API takes them and as `tart run` flags.

The wire models check what needs no disk or VM (shapes, names, combinations Tart refuses);
`check_for_vm` (start_checks.py) checks the rest (paths exist now, the guest's OS allows the
option), so a bad option is a 422 before any task, never a `tart run` that dies with a usage
error.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from ..backends.base import ExtraDisk as BackendDisk
from ..backends.base import SharedDir as BackendDir
from ..backends.base import StartOptions
from ..core.schema_rules import DIR_PATH, DISK_PATH


def validation_detail(exc: ValidationError) -> str:
    """A pydantic error raised after the request was parsed, as one sentence for a 422."""
    return "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())


SHARE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Shared-folder names and mount tags: a folder name in the guest, never a flag or a path."""
INTERFACE_RE = re.compile(r"[A-Za-z0-9][^\x00-\x1f\x7f]{0,63}")
"""A bridged interface: `en0`, or a display name such as `Wi-Fi` or `Thunderbolt Bridge`."""
SHARE_NAME_SCHEMA: JsonDict = {"pattern": f"^{SHARE_NAME_RE.pattern}$"}
INTERFACE_SCHEMA: JsonDict = {"pattern": f"^{INTERFACE_RE.pattern}$"}
"""The same rules for the OpenAPI document (used with `fullmatch` here; ECMA `$` is the end)."""
MAX_TAG_BYTES = 35
"""virtio-fs mount tags are fewer than 36 bytes in UTF-8: Virtualization.framework's rule, which
Tart applies to `--rosetta` with `validateTag` (Tart `Sources/tart/Commands/Run.swift:743`) and
to `--dir ...,tag=` when it builds the device (`Run.swift:700-701`)."""
TAG_SCHEMA: JsonDict = {**SHARE_NAME_SCHEMA, "maxLength": MAX_TAG_BYTES}
"""A tag is ASCII (`SHARE_NAME_RE`), so its bytes are its characters."""
MAX_DIRS = 16
MAX_DISKS = 8

Display = Literal["vnc", "vnc-experimental", "none"]
Network = Literal["nat", "bridged", "softnet", "host"]


def _absolute(path: str, what: str) -> str:
    if not path.startswith("/"):
        raise ValueError(f"{what} must be an absolute path (starting with /), not {path!r}")
    if any(ord(c) < 32 for c in path) or ":" in path:
        raise ValueError(f"{what} {path!r} holds ':' or a control character, which tart misreads")
    normal = os.path.normpath(path)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    return normal


def check_tag_length(tag: str | None, what: str) -> str | None:
    """Tart would fail the start (or crash building the device) on a longer tag."""
    if tag is not None and len(tag.encode()) > MAX_TAG_BYTES:
        raise ValueError(
            f"{what} {tag!r} is {len(tag.encode())} bytes: virtio-fs mount tags must be fewer "
            f"than 36 bytes (at most {MAX_TAG_BYTES})"
        )
    return tag


def _split_ro(value: str) -> tuple[str, bool]:
    return (value[: -len(":ro")], True) if value.endswith(":ro") else (value, False)


class SharedDir(BaseModel):
    """A host folder shared with the guest: `{"name", "path", "read_only"}` or `"name:path[:ro]"`.

    macOS guests see it under `/Volumes/My Shared Files/<name>`; Linux guests mount the tag
    (`mount -t virtiofs com.apple.virtio-fs.automount /mnt`).
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(
        ...,
        description="Folder name in the guest.",
        examples=["src"],
        json_schema_extra=SHARE_NAME_SCHEMA,
    )
    path: str = Field(
        ...,
        description="Absolute host path of a folder.",
        examples=["/Users/me/src"],
        json_schema_extra=DIR_PATH,
    )
    read_only: bool = False
    tag: str | None = Field(
        None,
        description="virtio-fs mount tag (default: Tart's automount).",
        json_schema_extra=TAG_SCHEMA,
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            spec, read_only = _split_ro(value)
            name, sep, path = spec.partition(":")
            if not sep:
                raise ValueError(f"a shared folder is 'name:path[:ro]', not {value!r}")
            return {"name": name, "path": path, "read_only": read_only}
        return value

    @field_validator("name", "tag")
    @classmethod
    def _safe(cls, value: str | None) -> str | None:
        if value is not None and not SHARE_NAME_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a safe share name: letters, digits, '.', '_' and '-', "
                "starting with a letter or digit, at most 64 characters"
            )
        return value

    @field_validator("tag")
    @classmethod
    def _tag_length(cls, value: str | None) -> str | None:
        return check_tag_length(value, "a shared folder's tag")

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = _absolute(value, "a shared folder")
        if "," in value:
            raise ValueError(
                f"a shared folder path cannot hold ',' (tart reads options after it): {value!r}"
            )
        return value


class ExtraDisk(BaseModel):
    """A disk image attached at start, e.g. an installer ISO: `{"path", "read_only"}` or
    `"path[:ro]"`."""

    model_config = ConfigDict(strict=True, extra="forbid")

    path: str = Field(
        ...,
        examples=["/Users/me/Downloads/debian-12-arm64-netinst.iso"],
        json_schema_extra=DISK_PATH,
    )
    read_only: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            path, read_only = _split_ro(value)
            return {"path": path, "read_only": read_only}
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = _absolute(value, "a disk image")
        if _is_x86_iso(PurePosixPath(value).name):
            raise ValueError(
                f"{PurePosixPath(value).name} is an x86 (amd64) image; this Mac runs arm64 "
                "guests: download the arm64 (aarch64) ISO instead"
            )
        return value


_X86 = re.compile(r"(?<![a-z0-9])(amd64|x86[_-]64|x64|i[3-6]86)(?![a-z0-9])")


def _is_x86_iso(filename: str) -> bool:
    """Installer ISOs name their architecture (`debian-12.8.0-amd64-netinst.iso`,
    `Fedora-...-x86_64-...iso`); a Mac boots only arm64 ones, and Tart would only fail later,
    inside the guest's firmware, without saying why."""
    lowered = filename.lower()
    return lowered.endswith(".iso") and _X86.search(lowered) is not None


def default_display(os_name: str | None) -> Display:
    """The display of a start that names none: the seed's `--vnc` for macOS guests, and
    `--vnc-experimental` for Linux ones, which have no Screen Sharing server, and whose
    `--vnc` run Tart ends after 60 s without an IP (`IPNotFound`, Tart
    `Sources/tart/VNC/ScreenSharingVNC.swift:14-20`, `Commands/Run.swift:505-537`)."""
    return "vnc-experimental" if os_name == "linux" else "vnc"


class VMStartOptions(BaseModel):
    """How to start a VM. The defaults are the seed's `tart run --vnc --no-graphics` (for a
    Linux guest `--vnc-experimental --no-graphics`, see `default_display`)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={  # `_combinations`, as far as JSON Schema can say it
            "anyOf": [
                {"properties": {"network": {"not": {"const": "bridged"}}}},
                {
                    "required": ["bridged_interface"],
                    "properties": {"bridged_interface": {"type": "string"}},
                },
            ],
        },
    )

    display: Display | None = Field(
        None,
        description="`vnc`: Screen Sharing on the guest's IP (needs Remote Login in the guest); "
        "`vnc-experimental`: the framework's own VNC on 127.0.0.1, works in installers and "
        "recovery; `none`: headless. Left out: by the guest's OS (`vnc` for macOS, "
        "`vnc-experimental` for Linux); answers always name the one a start would use.",
    )
    network: Network = Field(
        "nat",
        description="`nat` (shared, default), `bridged` (needs `bridged_interface`), "
        "`softnet` (isolated), `host` (host-only).",
    )
    bridged_interface: str | None = Field(
        None, examples=["en0"], json_schema_extra=INTERFACE_SCHEMA
    )
    rosetta_tag: str | None = Field(
        None,
        description="Linux guests: share Rosetta under this mount tag.",
        examples=["rosetta"],
        json_schema_extra=TAG_SCHEMA,
    )
    suspendable: bool = Field(
        False,
        description="macOS guests: allow suspend (with shared folders from Tart 2.27.2 on).",
    )
    dirs: list[SharedDir] = Field(default_factory=list, max_length=MAX_DIRS)
    disks: list[ExtraDisk] = Field(default_factory=list, max_length=MAX_DISKS)
    serial: bool = Field(
        False,
        description="Linux guests: a serial console (`tart run --serial-path` on a pty the "
        "server holds), shown in the browser at `/ws/vms/{name}/serial`; needs no network.",
    )

    @field_validator("bridged_interface")
    @classmethod
    def _interface(cls, value: str | None) -> str | None:
        if value is not None and not INTERFACE_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a network interface name such as en0")
        return value

    @field_validator("rosetta_tag")
    @classmethod
    def _tag(cls, value: str | None) -> str | None:
        if value is not None and not SHARE_NAME_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a safe mount tag (letters, digits, '.', '_', '-')")
        return check_tag_length(value, "rosetta_tag")

    @model_validator(mode="after")
    def _combinations(self) -> VMStartOptions:
        if self.network == "bridged" and not self.bridged_interface:
            raise ValueError("bridged networking needs bridged_interface, e.g. en0")
        if self.network != "bridged":
            self.bridged_interface = None
        names = [d.name.lower() for d in self.dirs]
        if len(set(names)) != len(names):
            raise ValueError("each shared folder needs its own name")
        return self

    def for_guest(self, os_name: str | None) -> VMStartOptions:
        """These options with the display a start of this guest would use."""
        if self.display is not None:
            return self
        return self.model_copy(update={"display": default_display(os_name)})

    def to_backend(self, *, suspendable: bool | None = None) -> StartOptions:
        return StartOptions(
            display=self.display or "vnc",
            suspendable=self.suspendable if suspendable is None else suspendable,
            network=self.network,
            bridged_interfaces=(self.bridged_interface,) if self.bridged_interface else (),
            rosetta_tag=self.rosetta_tag,
            dirs=tuple(BackendDir(d.name, d.path, d.read_only, d.tag) for d in self.dirs),
            disks=tuple(BackendDisk(d.path, d.read_only) for d in self.disks),
            serial=self.serial,
        )

    @classmethod
    def from_run(cls, raw: dict[str, Any]) -> VMStartOptions | None:
        """The options a run was spawned with, from its record (`to_backend`'s StartOptions
        as JSON, see runlogs.py); None when the record cannot be read as options."""
        interfaces = raw.get("bridged_interfaces")
        try:
            return cls.model_validate(
                {
                    "display": raw.get("display", "vnc"),
                    "network": raw.get("network", "nat"),
                    "bridged_interface": interfaces[0] if interfaces else None,
                    "rosetta_tag": raw.get("rosetta_tag"),
                    "suspendable": raw.get("suspendable", False),
                    "dirs": raw.get("dirs") or [],
                    "disks": raw.get("disks") or [],
                    "serial": raw.get("serial", False),
                }
            )
        except (ValidationError, TypeError, KeyError, IndexError):
            return None


class StartRequest(BaseModel):
    """Body of start/resume. Every field left out comes from the VM's remembered start options
    (the seed's defaults when there are none), so `{}` or no body starts it as last time."""

    model_config = ConfigDict(strict=True, extra="ignore")

    display: Display | None = None
    network: Network | None = None
    bridged_interface: str | None = Field(None, json_schema_extra=INTERFACE_SCHEMA)
    rosetta_tag: str | None = Field(None, json_schema_extra=TAG_SCHEMA)
    suspendable: bool | None = None
    dirs: list[SharedDir] | None = None
    disks: list[ExtraDisk] | None = None
    serial: bool | None = None
    remember: bool = Field(True, description="Keep these options as the VM's default.")

    def merged(self, saved: VMStartOptions) -> VMStartOptions:
        changes = self.model_dump(exclude_unset=True, exclude={"remember"})
        data = saved.model_dump()
        data.update({key: value for key, value in changes.items() if value is not None})
        if changes.get("network") not in (None, "bridged"):
            data["bridged_interface"] = None
        return VMStartOptions.model_validate(data)


class LastRun(BaseModel):
    """How this server last started the VM (what `tart` cannot tell), from the run's record."""

    pid: int
    command: list[str]
    started_at: float
    suspendable: bool
    options: VMStartOptions | None = Field(
        None, description="None for a run recorded before its options were kept with it."
    )


class StartOptionsState(BaseModel):
    """A VM's remembered start options and the `tart run` they make."""

    name: str
    options: VMStartOptions
    saved: bool = Field(..., description="False when these are the defaults, not yet saved.")
    command: list[str] = Field(..., description="The argv a start with these options runs.")
    last_run: LastRun | None = None
