"""A running Orchard VM's IP address: the worker runs `tart ip` for the controller."""

from __future__ import annotations

from typing import Any

from ...core.errors import TaartError
from ..base import TaskContext
from .client import OrchardClient
from .mapping import ip_key

Json = dict[str, Any]


async def address(
    client: OrchardClient, vm: Json, ips: dict[str, str], wait: float, ctx: TaskContext
) -> dict[str, Any]:
    """Ask the worker for the IP (`tart ip` there), waiting up to `wait` seconds; a found one
    is kept in `ips` (by `mapping.ip_key`) for the inventory."""
    name, worker = str(vm.get("name")), vm.get("worker")
    ip: str | None = None
    try:
        ip = await client.ip(name, wait=int(wait))
    except TaartError as exc:
        ctx.log(f"no IP address yet: {exc.detail}")
    if ip is not None:
        ips[ip_key(vm)] = ip
        ctx.log(f"IP address: {ip} (on worker {worker}'s private network)")
    ctx.log(
        "VNC: Orchard reaches the guest through its port-forward (`orchard vnc vm "
        f"{name}`), not at vnc://<ip>"
    )
    return {"ip_address": ip, "vnc_url": None, "worker": worker}
