"""Wire models of the server itself: its health, the Tart it drives and the Mac it runs on,
an Orchard controller's facts, the GitHub token's settings. Apart from `models.py` (VMs,
tasks, requests) to keep both short.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GITHUB_TOKEN_RE = re.compile(r"[!-~]*")
GITHUB_TOKEN_PATTERN = f"^{GITHUB_TOKEN_RE.pattern}$"  # ECMA, for the document


class HostInfo(BaseModel):
    """The Mac the server runs on; a host that is not a Mac (a stand-in for `tart`) counts as
    Apple silicon on a current macOS."""

    is_mac: bool
    apple_silicon: bool
    macos: str | None = Field(None, description="macOS version, e.g. `15.5`.")


class TartCapabilities(BaseModel):
    """Which Tart runs on this Mac and what it and the Mac allow, as a backend that drives
    `tart` here tells it (`Backend.capabilities`; tart/features.py and tart/host.py)."""

    version: str | None = None
    minimum: str | None = None
    supported: bool | None = None
    host: HostInfo | None = None
    refusals: dict[str, str | None] = Field(
        default_factory=dict, description="Each gated feature -> None if allowed, else why not."
    )


class OrchardController(BaseModel):
    """What the Orchard controller is and can do (`/v1/controller/info`, read once)."""

    version: str | None = Field(None, description="The controller's version; None if unread.")
    watch: bool | None = Field(
        None, description="Streams VM changes (Orchard 0.41.0+); else tasks poll. None: unknown."
    )
    exec: bool | None = Field(
        None, description="Runs commands in VMs (Orchard 0.51.0+): the terminal. None: unknown."
    )
    detail: str | None = Field(None, description="Why the controller could not be asked.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    backend: str
    tart_available: bool | None = None
    inventory_stale: bool = False
    inventory_age: float | None = Field(None, description="Seconds since the last good refresh.")
    inventory_watch: Literal["files", "periodic"] = Field(
        "periodic",
        description="`files`: changes made outside the server (a `tart` command in a terminal) "
        "are seen as they happen, from Tart's files; `periodic`: at the next periodic refresh.",
    )
    inventory_watch_reason: str | None = Field(None, description="Why `inventory_watch` is so.")
    demo: bool = False
    tart_version: str | None = Field(
        None, description="`tart --version` here (`SNAPSHOT` for a development build)."
    )
    tart_minimum: str | None = Field(None, description="The oldest Tart this project supports.")
    tart_supported: bool | None = Field(
        None, description="False when this Tart is older than `tart_minimum`; None: unknown."
    )
    host: HostInfo | None = Field(None, description="This Mac; None with a remote backend.")
    allows: dict[str, bool] = Field(
        default_factory=dict,
        description="Feature -> whether this Tart on this host allows it (`exec`, `ip-agent`, "
        "`shutdown`, `random-mac`, `dir-tag`, `net-host`, `accessed`, `suspendable-dirs`, "
        "`vnc`, `vnc-experimental`, `suspendable`, `rosetta`, `suspend`, `softnet`).",
    )
    refusals: dict[str, str] = Field(
        default_factory=dict, description="Feature -> why it is not allowed (what is needed)."
    )
    orchard: OrchardController | None = Field(
        None, description="With the Orchard backend: the controller's version and capabilities."
    )


class TartVersion(BaseModel):
    version: str
    backend: str | None = Field(
        None, description="Set to `orchard` when `version` is the Orchard controller's."
    )


class GitHubTokenStatus(BaseModel):
    configured: bool
    masked_token: str | None = None
    source: Literal["settings", "environment"] | None = None


class GitHubTokenUpdate(BaseModel):
    model_config = ConfigDict(strict=True)
    token: str = Field(
        "",
        max_length=1024,
        description="Empty clears it. Printable ASCII without spaces, as GitHub issues them.",
        json_schema_extra={"pattern": GITHUB_TOKEN_PATTERN},
    )

    @field_validator("token")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not GITHUB_TOKEN_RE.fullmatch(value):
            raise ValueError("a GitHub token is printable ASCII, without spaces")
        return value
