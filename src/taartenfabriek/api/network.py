"""IP resolver routes: which `tart ip --resolver` a VM's address is looked up with."""

from __future__ import annotations

from fastapi import APIRouter

from ..backends.local_lifecycle import tart_and_host
from ..core.care_models import IPResolverState, IPResolverUpdate
from ..core.errors import Conflict, Unsupported
from ..services import Services
from ..tart import features
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["vms"])


async def _state(services: Services, vm_name: str) -> IPResolverState:
    vm = await services.inventory.lookup(vm_name)
    if vm.kind == "base_image":
        raise Conflict(f"{vm.name} is a base image: it has no IP address; clone it first")
    current = services.inventory.find(vm.name) or vm
    return IPResolverState(
        vm=vm.name,
        resolver=services.ip_doctor.resolver(vm.name),
        chosen=services.ip_resolvers.get(vm.name),
        ip_diagnosis=current.ip_diagnosis,
    )


@router.get("/{vm_name:path}/ip-resolver", response_model=IPResolverState)
async def get_resolver(vm_name: str, services: ServicesDep) -> IPResolverState:
    """The resolver refresh and start use for this VM, and whether it was chosen."""
    return await _state(services, vm_name)


@router.put("/{vm_name:path}/ip-resolver", response_model=IPResolverState)
async def set_resolver(
    vm_name: str, body: IPResolverUpdate, services: ServicesDep
) -> IPResolverState:
    """Choose `dhcp`, `arp` (bridged networking) or `agent`; `null` goes back to automatic."""
    vm = await services.inventory.lookup(vm_name)
    if vm.kind == "base_image":
        raise Conflict(f"{vm.name} is a base image: it has no IP address; clone it first")
    if body.resolver == "agent":  # IP.swift:7, Tart 2.28.0 (tart/features.py)
        release, _ = await tart_and_host(services.backend)
        reason = features.refusal(release, "ip-agent")
        if reason is not None:
            raise Unsupported(reason)
    services.ip_resolvers.set(vm.name, body.resolver)
    services.inventory.redecorate()
    return await _state(services, vm.name)
