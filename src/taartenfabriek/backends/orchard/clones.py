"""Clones in Orchard: a new VM made from a stopped VM's disk, on the worker that holds it.

The disk stays where the VM ran, so the clone's `image` is the source's local Tart name and
its labels must single out that worker; the rest of its spec is the source's.
"""

from __future__ import annotations

from typing import Any

from . import advice
from .client import OrchardClient
from .mapping import phase

Json = dict[str, Any]

COPIED_SPEC = (
    "os", "arch", "runtime", "cpu", "memory", "diskSize", "headless", "nested", "net-bridged",
    "netSoftnet", "netSoftnetAllow", "netSoftnetBlock", "suspendable", "username", "password",
    "resources", "randomSerial",
)  # fmt: skip
"""What a clone keeps of its source; the disk itself comes from `image` = source localName."""
CLONABLE = ("stopped",)
"""A worker always runs `tart set --cpu/--memory` and `--random-mac` on a new VM
(orchard internal/worker/vmmanager/tart/tart.go:156-257), and a suspended VM's saved state
restores only with the configuration it was suspended with: a clone of one would fail there."""


async def clone_spec(client: OrchardClient, source: Json, new_name: str) -> Json:
    """The spec of a VM made from `source`'s disk, pinned to the worker that holds it."""
    current = phase(source)
    if current not in CLONABLE:
        raise advice.cannot_clone(source, current)
    home = source.get("worker")
    if not home:
        raise advice.cannot_clone(source, "never placed on a worker")
    workers = await client.list_workers()
    target = next((w for w in workers if w.get("name") == home), None)
    if target is None:
        raise advice.cannot_pin(source, home, "that worker no longer exists")
    labels = _labels(target)
    rivals = [
        str(w.get("name"))
        for w in workers
        if w is not target
        and w.get("arch", "arm64") == source.get("arch", "arm64")
        and w.get("runtime", "tart") == source.get("runtime", "tart")
        and labels.items() <= _labels(w).items()
    ]
    if rivals:
        why = "it has no labels" if not labels else "its labels match other workers too"
        raise advice.cannot_pin(source, home, f"{why} ({', '.join(sorted(rivals)[:5])})")
    spec = {key: source[key] for key in COPIED_SPEC if key in source}
    spec.update(
        name=new_name,
        image=source.get("localName") or source.get("tartName"),
        labels={**(source.get("labels") or {}), **labels},
    )
    return spec


def _labels(worker: Json) -> dict[str, str]:
    labels = worker.get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
