"""Tart's prune rules, replicated so a dry run can show exactly what a prune would remove.

`tart prune` (tart-cli.md §5 prune, Sources/tart/Commands/Prune.swift) works on "prunables":
`caches` = OCI digest entries plus cached IPSWs, `vms` = local VMs that are not running.
`--older-than n` removes prunables last accessed at or before now - n days; `--space-budget n`
walks the rest newest-accessed first, keeps each one that still fits in what is left of
n x 1024^3 bytes and removes the others; with both, the age rule runs first. The plan is
computed from the inventory (`tart list`'s Accessed and Size), never from extra tart calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from ..core.care_models import PruneEntry, PrunePlan, PruneRequest
from ..core.models import VM
from ..core.names import parse_remote

GB = 1_000_000_000
GIB = 1024**3

EntryKind = Literal["image", "ipsw", "vm"]


@dataclass(frozen=True)
class Prunable:
    """One thing `tart prune` would consider, with what its removal takes along."""

    name: str
    kind: EntryKind
    size_bytes: int
    accessed: datetime | None
    tags: tuple[str, ...] = ()
    path: str | None = None
    """Filesystem path, for IPSWs (Tart has no command that deletes one)."""

    def entry(self, reason: str) -> PruneEntry:
        return PruneEntry(
            name=self.name,
            kind=self.kind,
            size_bytes=self.size_bytes,
            size_gb=round(self.size_bytes / GB, 3),
            accessed=iso_utc(self.accessed),
            tags=list(self.tags),
            reason=reason,
        )


@dataclass(frozen=True)
class IPSWFile:
    name: str
    path: str
    size_bytes: int
    accessed: datetime


def parse_accessed(value: str | None) -> datetime | None:
    """`2026-05-12T21:45:18Z` (tart list JSON) -> an aware datetime; anything else -> None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _size(vm: VM) -> int:
    return (vm.size or 0) * GB


def image_prunables(vms: Iterable[VM]) -> list[Prunable]:
    """One prunable per OCI digest entry; the tags pointing at it go with it.

    A tag whose digest the backend could not learn (`tart fqn` failed) is no prunable of its
    own, as in Tart; it is listed with its repository's digest entry when there is only one.
    """
    groups: dict[str, list[VM]] = {}
    orphans: list[tuple[str, VM]] = []
    for vm in vms:
        parsed = parse_remote(vm.name) if vm.kind == "base_image" else None
        if parsed is None:
            continue
        digest = parsed.digest or vm.digest
        if digest is None:
            orphans.append((parsed.repository, vm))
            continue
        groups.setdefault(f"{parsed.repository}@{digest}", []).append(vm)
    for repository, vm in orphans:
        keys = [key for key in groups if key.startswith(repository + "@")]
        if len(keys) == 1:
            groups[keys[0]].append(vm)
    prunables = []
    for key, members in groups.items():
        own = [m for m in members if m.name == key]  # the digest row itself, when listed
        dated = own or members
        known = [a for a in (parse_accessed(m.accessed) for m in dated) if a is not None]
        prunables.append(
            Prunable(
                name=key,
                kind="image",
                size_bytes=max(_size(m) for m in dated),
                accessed=max(known) if known else None,
                tags=tuple(sorted(m.name for m in members if m.name != key)),
            )
        )
    return prunables


def vm_prunables(vms: Iterable[VM]) -> list[Prunable]:
    """Local VMs that are not running (a VM whose state is unknown is left alone)."""
    return [
        Prunable(
            name=vm.name, kind="vm", size_bytes=_size(vm), accessed=parse_accessed(vm.accessed)
        )
        for vm in vms
        if vm.kind == "working_vm" and vm.state in ("stopped", "suspended")
    ]


def ipsw_prunables(files: Iterable[IPSWFile]) -> list[Prunable]:
    return [
        Prunable(
            name=f.name, kind="ipsw", size_bytes=f.size_bytes, accessed=f.accessed, path=f.path
        )
        for f in files
    ]


def _newest_first(item: Prunable) -> tuple[float, str]:
    stamp = item.accessed.timestamp() if item.accessed is not None else float("-inf")
    return (-stamp, item.name)


def plan(
    request: PruneRequest, candidates: Sequence[Prunable], *, now: datetime | None = None
) -> tuple[PrunePlan, list[Prunable]]:
    """The plan to show, and the prunables it removes (in removal order)."""
    now = now or datetime.now(UTC)
    remove: list[tuple[Prunable, str]] = []
    remaining = list(candidates)
    if request.older_than_days is not None:
        cutoff = now - timedelta(days=request.older_than_days)
        kept = []
        for item in remaining:
            if item.accessed is not None and item.accessed <= cutoff:
                days = (now - item.accessed).total_seconds() / 86400
                remove.append((item, f"last accessed {days:.1f} days ago"))
            else:
                kept.append(item)
        remaining = kept
    keep: list[tuple[Prunable, str]] = []
    if request.space_budget_gb is not None:
        budget = request.space_budget_gb * GIB
        for item in sorted(remaining, key=_newest_first):
            if item.size_bytes <= budget:
                budget -= item.size_bytes
                keep.append((item, "fits in the space budget"))
            else:
                remove.append((item, "does not fit in the space budget"))
    else:
        keep = [(item, "newer than the age limit") for item in remaining]
    removed = [item for item, _ in remove]
    result = PrunePlan(
        entries=request.entries,
        older_than_days=request.older_than_days,
        space_budget_gb=request.space_budget_gb,
        computed_at=now.timestamp(),
        remove=[item.entry(reason) for item, reason in remove],
        keep=[item.entry(reason) for item, reason in sorted(keep, key=lambda p: p[0].name)],
        remove_bytes=sum(item.size_bytes for item in removed),
        keep_bytes=sum(item.size_bytes for item, _ in keep),
        argv_equivalent=request.tart_argv(),
    )
    return result, removed
