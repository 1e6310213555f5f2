"""Wire models of taking care of the Mac: storage, prune, run logs, IP resolvers.

Kept apart from `models.py` (the seed's models) only to keep both files short; like those,
these are the single source of truth for their JSON.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

# --- storage -------------------------------------------------------------------------------


class Volume(BaseModel):
    """The filesystem that holds TART_HOME."""

    path: str = Field(..., description="TART_HOME, where Tart keeps VMs and caches.")
    total_bytes: int
    used_bytes: int
    free_bytes: int
    free_overridden: bool = Field(
        False, description="True when free_bytes comes from the TARTVM_FREE_SPACE_OVERRIDE hook."
    )


class StorageItem(BaseModel):
    """One VM, cached image or IPSW and the room it takes."""

    name: str
    kind: Literal["vm", "image", "ipsw"]
    size_gb: float | None = Field(None, description="Allocated on disk, GB (10^9).")
    disk_gb: float | None = Field(None, description="Disk size the guest sees, GB (10^9).")
    accessed: str | None = Field(None, description="Last access, ISO 8601.")
    status: str | None = None
    tags: list[str] = Field(default_factory=list, description="Tags of a cached digest.")


class StorageTotals(BaseModel):
    vms_gb: float
    images_gb: float = Field(..., description="The OCI cache: each digest counted once.")
    ipsws_gb: float
    total_gb: float


class StorageOverview(BaseModel):
    volume: Volume
    vms: list[StorageItem]
    images: list[StorageItem]
    ipsws: list[StorageItem]
    totals: StorageTotals
    inventory_age: float | None = Field(None, description="Seconds since the inventory's refresh.")


# --- prune ---------------------------------------------------------------------------------


class PruneRequest(BaseModel):
    """`tart prune`'s criteria; at least one of older_than_days and space_budget_gb."""

    entries: Literal["caches", "vms"] = "caches"
    older_than_days: int | None = Field(None, ge=0, le=36500)
    space_budget_gb: int | None = Field(None, ge=0, le=1_000_000)
    names: list[str] | None = Field(
        None,
        max_length=10_000,
        description="For the real run: the `remove` names of the preview the user confirmed. "
        "Exactly these are removed (each must still be a prunable entry); without it the plan "
        "is computed afresh and removed.",
    )

    @model_validator(mode="after")
    def _criteria(self) -> PruneRequest:
        if self.older_than_days is None and self.space_budget_gb is None:
            raise ValueError("give older_than_days, space_budget_gb or both")
        return self

    def tart_argv(self) -> list[str]:
        """The `tart prune` command these criteria mirror (shown to the user)."""
        argv = ["tart", "prune", "--entries", self.entries]
        if self.older_than_days is not None:
            argv += ["--older-than", str(self.older_than_days)]
        if self.space_budget_gb is not None:
            argv += ["--space-budget", str(self.space_budget_gb)]
        return argv


class PruneEntry(BaseModel):
    name: str = Field(..., description="What is removed: a VM, `repo@sha256:...` or an IPSW.")
    kind: Literal["image", "ipsw", "vm"]
    size_bytes: int
    size_gb: float
    accessed: str | None = None
    tags: list[str] = Field(default_factory=list, description="Tags removed with the digest.")
    reason: str


class PrunePlan(BaseModel):
    entries: Literal["caches", "vms"]
    older_than_days: int | None = None
    space_budget_gb: int | None = None
    computed_at: float
    remove: list[PruneEntry]
    keep: list[PruneEntry]
    remove_bytes: int
    keep_bytes: int
    argv_equivalent: list[str] = Field(
        ..., description="The `tart prune` these criteria mirror (we delete entry by entry)."
    )


# --- run logs ------------------------------------------------------------------------------


class RunLogInfo(BaseModel):
    """One `tart run` of a VM, as kept under `<home>/logs/runs/<vm>/`."""

    id: str
    vm: str
    started_at: float | None = None
    ended_at: float | None = None
    exit_code: int | None = None
    size_bytes: int
    live: bool = Field(False, description="This run's `tart run` is still going.")
    command: list[str] = Field(default_factory=list)


class RunLogText(RunLogInfo):
    text: str = Field(..., description="The end of the log, secrets redacted.")
    lines: int
    truncated: bool = Field(..., description="Earlier lines were left out (see `tail`).")


# --- IP resolver ---------------------------------------------------------------------------


class IPResolverUpdate(BaseModel):
    resolver: Literal["dhcp", "arp", "agent"] | None = Field(
        ..., description="dhcp (Tart's default), arp (bridged networking) or agent; null resets."
    )


class IPResolverState(BaseModel):
    vm: str
    resolver: Literal["dhcp", "arp", "agent"] = Field(..., description="What refresh uses now.")
    chosen: Literal["dhcp", "arp", "agent"] | None = Field(
        None, description="The stored choice; null: automatic (arp for bridged runs, else dhcp)."
    )
    ip_diagnosis: str | None = None


# --- start at login ------------------------------------------------------------------------


class StartAtLogin(BaseModel):
    """Whether this Mac starts the server at login, and the commands that change it.

    Read-only on purpose: a web page (even with the token) should not be able to make a
    program run at every login; `taartenfabriek service install` does that at a terminal.
    """

    supported: bool = Field(..., description="LaunchAgents exist here (the server runs on macOS).")
    installed: bool = Field(..., description="The LaunchAgent's plist exists.")
    plist: str = Field(..., description="Where the plist is (or would be).")
    port: int | None = Field(None, description="The port the installed agent serves on.")
    home: str | None = Field(None, description="The state folder the installed agent uses.")
    matches: bool | None = Field(
        None, description="The installed agent runs this server (same port and state folder)."
    )
    started_at_login: bool = Field(
        ..., description="This server process was started by that LaunchAgent (launchd)."
    )
    install_command: list[str] = Field(..., description="Makes this server start at login.")
    uninstall_command: list[str]
    status_command: list[str]
    open_command: list[str] = Field(..., description="Opens this UI in the browser.")
