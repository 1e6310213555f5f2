"""VM routes: the inventory, configuration and the task-returning actions.

`{vm_name:path}` lets OCI names with `/`, `:` and `@` through, encoded or not; the fixed words
(`categorized`, `refresh`, ...) are declared first so they never read as VM names.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from ..core.models import (
    VM,
    CloneRequest,
    CreateRequest,
    EmptyBody,
    PullRequest,
    Task,
    VMConfig,
    VMImage,
    VMImagesSummary,
)
from ..operations.start_options import StartRequest
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["vms"])

OptionalBody = Annotated[EmptyBody | None, Body()]


def _json(body: bytes, age: float | None) -> Response:
    headers = {"X-Inventory-Age": f"{age:.3f}"} if age is not None else {}
    return Response(content=body, media_type="application/json", headers=headers)


@router.get("", response_model=list[VM])
async def list_vms(services: ServicesDep) -> Response:
    """The cached inventory (never calls tart)."""
    await services.inventory.ready()
    return _json(services.inventory.body, services.inventory.age)


@router.get("/categorized", response_model=VMImagesSummary)
async def categorized(services: ServicesDep) -> Response:
    """Base images (pulled from a registry) and working VMs (created or cloned here)."""
    await services.inventory.ready()
    return _json(services.inventory.categorized_body, services.inventory.age)


@router.get("/available-images", response_model=list[VMImage])
async def available_images(services: ServicesDep, force_refresh: bool = False) -> list[VMImage]:
    """Images that can be pulled."""
    return await services.catalog.images(force_refresh=force_refresh)


@router.post("/refresh", response_model=list[VM])
async def refresh(services: ServicesDep, body: OptionalBody = None) -> Response:
    """A full refresh from Tart (`tart list`, `tart ip`); returns the refreshed list."""
    await services.inventory.refresh()
    return _json(services.inventory.body, services.inventory.age)


@router.post("/pull", response_model=Task)
async def pull(request: PullRequest, services: ServicesDep) -> Task:
    """Pull an image from an OCI registry (`tart pull`)."""
    return await services.operations.pull(request)


@router.post("/create", response_model=Task)
async def create(request: CreateRequest, services: ServicesDep) -> Task:
    """Clone `source_vm` to `name`, then set CPU, memory (GB) and disk size (GB)."""
    return await services.operations.create(request)


@router.get("/{vm_name:path}/config", response_model=VMConfig)
async def config(
    vm_name: str,
    services: ServicesDep,
    force_refresh: Annotated[bool, Query(description="Bypass the cache.")] = False,
) -> VMConfig:
    """The VM's configuration (`tart get --format json`), cached in memory."""
    return await services.inventory.config(vm_name, force_refresh=force_refresh)


@router.post("/{vm_name:path}/start", response_model=Task)
async def start(
    vm_name: str, services: ServicesDep, body: Annotated[StartRequest | None, Body()] = None
) -> Task:
    """Start the VM (`tart run`, detached) and wait for its IP. Without options: the VM's
    remembered start options, or the seed's `--vnc --no-graphics`."""
    return await services.operations.start(vm_name, body)


@router.post("/{vm_name:path}/stop", response_model=Task)
async def stop(vm_name: str, services: ServicesDep, body: OptionalBody = None) -> Task:
    """Stop the VM (`tart stop --timeout 30`, falling back to `tart stop`)."""
    return await services.operations.stop(vm_name)


@router.post("/{vm_name:path}/delete", response_model=Task)
async def delete(vm_name: str, services: ServicesDep, body: OptionalBody = None) -> Task:
    """Delete the VM or base image (`tart delete`)."""
    return await services.operations.delete(vm_name)


@router.post("/{vm_name:path}/clone", response_model=Task)
async def clone(vm_name: str, request: CloneRequest, services: ServicesDep) -> Task:
    """Clone the VM to `new_name`, and start the clone when `start_after_clone` is true."""
    return await services.operations.clone(vm_name, request)


@router.get("/{vm_name:path}", response_model=VM)
async def get_vm(vm_name: str, services: ServicesDep) -> VM:
    """One VM from the cached inventory."""
    await services.inventory.ready()
    return await services.inventory.lookup(vm_name)
