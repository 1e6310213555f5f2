"""Why a running VM has no IP address yet, and which `tart ip --resolver` each VM uses.

`tart ip` answers "no IP address found" for very different reasons (anchors.md §3.3, §5.3):
the guest is still booting; a bridged guest's lease lives on the LAN's DHCP server, which the
default `dhcp` resolver cannot read (it needs `arp`); the `agent` resolver needs the Tart
Guest Agent inside the guest; some Linux guests ask macOS's DHCP server for a lease under a
DUID rather than their MAC. The doctor turns what we know (how and when the VM was started,
the resolver, `tart ip`'s own words, the guest OS) into one sentence for the UI.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, cast

from ..core.models import VM
from .runlogs import RunInfo, RunLogs

Resolver = Literal["dhcp", "arp", "agent"]
RESOLVERS: tuple[str, ...] = ("dhcp", "arp", "agent")

BOOT_GRACE = {"darwin": 90.0, "linux": 60.0}
"""Seconds after `tart run` during which "no IP" most likely just means "still booting"."""


class ResolverStore:
    """The resolver chosen per VM, kept in `<home>/ip-resolvers.json` across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._choices: dict[str, Resolver] = self._load()

    def _load(self) -> dict[str, Resolver]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): cast(Resolver, v) for k, v in data.items() if v in RESOLVERS}

    def get(self, vm: str) -> Resolver | None:
        """The stored choice (None: none made, Tart's default applies)."""
        choice = self._choices.get(vm)
        if choice is None:
            lowered = vm.lower()
            choice = next((v for k, v in self._choices.items() if k.lower() == lowered), None)
        return choice

    def set(self, vm: str, resolver: Resolver | None) -> None:
        """Store a choice; None forgets it (automatic again)."""
        for key in [k for k in self._choices if k.lower() == vm.lower()]:
            del self._choices[key]
        if resolver is not None:
            self._choices[vm] = resolver
        self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(self._choices, handle, indent=2, sort_keys=True)
        temporary.replace(self.path)


def network_mode(flags: Sequence[str]) -> str:
    """`bridged`, `softnet`, `host` or `shared` (NAT, Tart's default) from `tart run` flags."""
    for flag in flags:
        name = flag.split("=", 1)[0]
        if name == "--net-bridged":
            return "bridged"
        if name.startswith("--net-softnet"):
            return "softnet"
        if name == "--net-host":
            return "host"
    return "shared"


def effective_resolver(chosen: Resolver | None, flags: Sequence[str] | None) -> Resolver:
    """The resolver to ask: the user's choice, else `arp` for a bridged run, else `dhcp`."""
    if chosen is not None:
        return chosen
    if flags is not None and network_mode(flags) == "bridged":
        return "arp"
    return "dhcp"


def diagnose(
    *,
    resolver: str,
    since_start: float | None,
    flags: Sequence[str] | None,
    os_name: str | None,
    ip_error: str | None,
    grace: float | None = None,
) -> str:
    """One sentence on why a running VM has no IP address (call only in that case)."""
    mode = network_mode(flags or ())
    if grace is None:
        grace = BOOT_GRACE.get(os_name or "", 90.0)
    booting = since_start is not None and since_start < grace
    age = f"started {since_start:.0f} s ago" if since_start is not None else ""
    if resolver == "agent" and booting:
        return (
            f"still booting: {age}; the agent resolver answers once the Tart Guest Agent has "
            "started inside the guest"
        )
    if resolver == "agent":
        detail = f" (tart ip: {ip_error.strip()})" if ip_error and ip_error.strip() else ""
        return (
            "the agent resolver asks the Tart Guest Agent inside the guest, and it is not "
            "answering: install tart-guest-agent in the guest (Cirrus Labs' vanilla images "
            f"have none; it also needs macOS 14 or later on this Mac), or use the dhcp resolver"
            f"{detail}"
        )
    if mode == "bridged" and resolver == "dhcp":
        return (
            "the VM uses bridged networking: its address comes from your network's DHCP "
            "server, which the dhcp resolver cannot see; use the arp resolver"
        )
    if mode == "softnet" and resolver == "arp":
        return "the arp resolver does not work with Softnet networking; use the dhcp resolver"
    if booting:
        return f"still booting: {age}; macOS guests usually get an address 10-40 s after start"
    if resolver == "arp":
        hint = " (not all Linux distributions work with it)" if os_name == "linux" else ""
        return (
            "the arp resolver only finds the guest after it has sent traffic on the network"
            f"{hint}; {age or 'it was started outside this app'}; try the dhcp or agent resolver"
        )
    if os_name == "linux":
        return (
            f"no DHCP lease for the guest's MAC address ({age or 'started outside this app'}): "
            "some Linux guests (e.g. Ubuntu) identify themselves to macOS's DHCP server by a "
            "DUID instead of their MAC; try the arp or agent resolver, or configure the guest "
            "to use its MAC as DHCP client identifier"
        )
    if since_start is None:
        return (
            "no IP address yet; the VM was started outside this app, so it may still be "
            "booting, or its guest has no network"
        )
    return (
        f"no IP address {since_start:.0f} s after start: the guest may have no network or "
        "be stuck booting (see the run log); the VM keeps running"
    )


class IPDoctor:
    """Joins the resolver choices, the run logs and `tart ip` failures into VM fields."""

    def __init__(
        self,
        resolvers: ResolverStore,
        runlogs: RunLogs,
        ip_errors: Callable[[str], str | None],
        *,
        grace: float | None = None,
    ) -> None:
        self.resolvers = resolvers
        self.runlogs = runlogs
        self.ip_errors = ip_errors
        self.grace = grace

    def _live_run(self, vm: str) -> RunInfo | None:
        """The latest run started by this app, if its `tart run` is still alive."""
        return self.runlogs.live(vm)

    def _resolver(self, vm: str, run: RunInfo | None) -> Resolver:
        return effective_resolver(self.resolvers.get(vm), run.flags if run else None)

    def resolver(self, vm: str) -> Resolver:
        return self._resolver(vm, self._live_run(vm))

    def resolver_arg(self, vm: str) -> str | None:
        """What to pass as `--resolver` (None keeps Tart's default, dhcp, off the argv)."""
        resolver = self.resolver(vm)
        return None if resolver == "dhcp" else resolver

    def explain(self, vm: str, *, os_name: str | None, run: RunInfo | None = None) -> str:
        run = run or self._live_run(vm)
        since = None
        if run is not None and run.started_at is not None:
            since = max(0.0, time.time() - run.started_at)
        return diagnose(
            resolver=self._resolver(vm, run),
            since_start=since,
            flags=run.flags if run else None,
            os_name=os_name,
            ip_error=self.ip_errors(vm),
            grace=self.grace,
        )

    def decorate(self, vm: VM) -> VM:
        """Add `ip_resolver`, `started_at` and, when running without IP, `ip_diagnosis`."""
        if vm.kind != "working_vm":
            return vm
        run = self._live_run(vm.name) if vm.status == "running" else None
        update: dict[str, object] = {
            "ip_resolver": self._resolver(vm.name, run),
            "ip_diagnosis": None,
            "started_at": run.started_at if run is not None else None,
        }
        if vm.status == "running" and vm.ip_address is None:
            with contextlib.suppress(Exception):
                update["ip_diagnosis"] = self.explain(vm.name, os_name=vm.os, run=run)
        return vm.model_copy(update=update)
