"""Typed settings, built once from `TARTVM_*` variables plus command-line overrides.

Nothing else in the package reads `os.environ` for configuration: the CLI builds one `Settings`
and hands it to `create_app`, so tests can build their own without patching globals.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .hosts import is_loopback_address

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    """Every knob of the server; each field doubles as `TARTVM_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="TARTVM_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address to bind; loopback unless --allow-remote.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to listen on.")
    home: Path = Field(
        Path("~/.tartvm-manager"),
        description="State folder: token, GitHub token, task history, run logs.",
    )
    token_dir: Path | None = Field(
        None,
        description="Folder of the API token when it is not `home`: the demo keeps its state "
        "apart and its token where the seed says, `~/.tartvm-manager/token`.",
    )
    tart_path: str = Field("tart", description="The `tart` executable (a name on PATH or a path).")
    tart_home: Path | None = Field(
        None, description="TART_HOME handed to tart; unset keeps the environment's own."
    )
    github_token: str | None = Field(
        None, description="GitHub token; overrides the one stored through the settings routes."
    )
    github_api_url: str = Field("https://api.github.com", description="GitHub API base URL.")
    registry_url: str = Field(
        "https://ghcr.io", description="OCI registry base URL for the catalog."
    )
    catalog_ttl: float = Field(3600, ge=0, description="Seconds the image catalog stays fresh.")
    refresh_interval: float = Field(
        15, ge=0, description="Seconds between background inventory refreshes (0 = never)."
    )
    watch_files: bool = Field(
        True,
        description="Watch Tart's files (the VMs' locks, vms/, the OCI cache) to notice VMs "
        "started, stopped, made or removed outside the server at once, without running tart.",
    )
    tart_timeout: float = Field(
        60, gt=0, description="Seconds a quick tart command (list, get, ip, set...) may take."
    )
    tart_long_timeout: float = Field(
        6 * 3600, gt=0, description="Seconds a long tart command (pull, clone, create) may take."
    )
    dhcpd_leases: Path = Field(
        Path("/var/db/dhcpd_leases"),
        description="macOS's DHCP lease file, read to tell a guest that booted from a lease "
        "left by an earlier run (tart-sim: `$TART_HOME/.sim-dhcpd_leases`); where it cannot "
        "be read, a start trusts `tart ip`.",
    )
    start_ip_timeout: float = Field(
        90, gt=0, description="Seconds a start task waits for the guest's IP address."
    )
    task_retention_count: int = Field(
        10000, ge=0, description="Finished tasks kept in the history, newest first (0 = all)."
    )
    task_retention_days: float = Field(
        90, ge=0, description="Days a finished task stays in the history (0 = forever)."
    )
    allow_remote: bool = Field(
        False, description="Allow binding to a non-loopback address (needs allowed_hosts)."
    )
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Extra Host header names accepted besides loopback (comma-separated)."
    )
    demo: bool = Field(False, description="Run against the bundled tart simulator with demo VMs.")
    backend: Literal["local", "orchard"] = Field("local", description="Which VM backend to drive.")
    orchard_url: str | None = Field(None, description="Orchard controller URL.")
    orchard_service_account: str | None = Field(None, description="Orchard service account name.")
    orchard_token: str | None = Field(
        None, description="Orchard service account token (or an `orchard-bootstrap-token-v0...`)."
    )
    orchard_queue_wait: float = Field(
        10,
        ge=0,
        description="Seconds a create/clone task waits for Orchard to place a new VM before "
        "it reports the VM as queued (no worker has a free slot).",
    )
    orchard_worker_offline_timeout: float = Field(
        180,
        gt=0,
        description="Seconds without a heartbeat after which a worker counts as offline "
        "(the controller's --worker-offline-timeout).",
    )
    log_level: str = Field("info", description="Server log level.")
    macos_vm_limit: int = Field(
        2, ge=0, description="macOS guests allowed to run at once (Apple's limit; 0 = no check)."
    )
    pull_space_check: bool = Field(
        True, description="Refuse a pull when the image is known not to fit on the Tart volume."
    )
    registry_timeout: float = Field(
        3, gt=0, description="Seconds a registry may take to tell an image's size before a pull."
    )
    ip_boot_grace: float | None = Field(
        None,
        ge=0,
        description="Seconds a VM without IP counts as still booting (default: 90 macOS, 60 "
        "Linux).",
    )
    header_timeout: float = Field(
        10,
        gt=0,
        le=3600,
        description="Seconds a client has to send a request's headers (from connecting or from "
        "the previous response) before its connection is closed.",
    )
    console_idle_timeout: float = Field(
        1800,
        gt=0,
        description="Seconds a console or terminal socket may carry no data before it is closed.",
    )
    console_check_interval: float = Field(
        2, gt=0, description="Seconds between checks that a console's VM is still running."
    )
    terminal_command: str | None = Field(
        None,
        description="Shell snippet the terminal runs in the guest with `/bin/sh -c` (default: "
        "the login shell, `$SHELL` else zsh, bash or sh).",
    )
    free_space_override: float | None = Field(
        None,
        ge=0,
        description="TEST HOOK: pretend the Tart volume has this many GB (10^9 bytes) free.",
    )

    @field_validator("home", "token_dir", mode="after")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        # `a.local, b.local` as documented (NoDecode: not parsed as JSON first), or a JSON list.
        if isinstance(value, str):
            if value.strip().startswith("["):
                return tuple(json.loads(value))
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def token_file(self) -> Path:
        return (self.token_dir or self.home) / "token"

    @property
    def github_token_file(self) -> Path:
        return self.home / "github-token"

    @property
    def tasks_db(self) -> Path:
        return self.home / "tasks.sqlite3"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def is_loopback(self) -> bool:
        """`127.evil.com` is a name, not loopback."""
        return is_loopback_address(self.host)
