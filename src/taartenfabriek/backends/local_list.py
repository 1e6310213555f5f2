"""`tart list` rows as the inventory's VMs: a pulled tag carries the digest it points to, and
the digest's own row folds into it."""

from __future__ import annotations

from ..core.models import VM
from ..tart.parse import ListEntry


def fold_entries(
    entries: list[ListEntry], ips: dict[str, str | None], digests: dict[str, str | None]
) -> list[VM]:
    """Turn `tart list` rows into VMs: each pulled tag carries its digest, and the digest row
    it points to disappears; a digest row no tag points to keeps its own name."""
    pointed = {
        f"{name.rsplit(':', 1)[0]}@{digest}"
        for name, digest in digests.items()
        if digest is not None and ":" in name
    }
    vms: list[VM] = []
    for entry in entries:
        is_oci = entry.source.lower() == "oci"
        if is_oci and entry.name in pointed:
            continue
        state = entry.state if entry.state in {"running", "stopped", "suspended"} else "unknown"
        status = "running" if state == "running" else "unknown" if state == "unknown" else "stopped"
        digest = digests.get(entry.name) if is_oci else None
        if is_oci and "@" in entry.name:
            digest = entry.name.split("@", 1)[1]
        vms.append(
            VM(
                name=entry.name,
                status=status,
                state=state,
                ip_address=ips.get(entry.name) if status == "running" else None,
                source=entry.source,
                disk_size=entry.disk,
                size=entry.size,
                accessed=entry.accessed,
                digest=digest,
                kind="base_image" if is_oci else "working_vm",
            )
        )
    return vms
