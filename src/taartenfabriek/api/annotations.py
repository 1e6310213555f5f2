"""A VM's notes, labels and SSH user: the user's own words about it, kept by this server."""

from __future__ import annotations

from fastapi import APIRouter

from ..core.annotations import AnnotationsUpdate, VMAnnotations
from .deps import Authenticated, ServicesDep

reads = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["notes"])
router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["notes"])


@reads.get("/{vm_name:path}/annotations", response_model=VMAnnotations)
async def get_annotations(vm_name: str, services: ServicesDep) -> VMAnnotations:
    """Notes (Markdown), labels (`key` or `key=value`) and the `ssh` user of the VM."""
    return await services.annotations.get(vm_name)


@router.patch("/{vm_name:path}/annotations", response_model=VMAnnotations)
async def update_annotations(
    vm_name: str, update: AnnotationsUpdate, services: ServicesDep
) -> VMAnnotations:
    """Replace the fields given (notes, labels, ssh_user); the others are kept. Stored by the
    server, never in Tart's files or Orchard's VM labels; kept across rename, gone on delete."""
    return await services.annotations.update(vm_name, update)
