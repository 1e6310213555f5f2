"""A VM's whole life beyond the seed: suspend/resume, shut down, edit, rename, start options,
create from scratch.

Two routers. `reads` holds the GET routes and is included *before* `vms.router`, whose
`GET /api/vms/{vm_name:path}` would otherwise read `dev/start-options` as a VM name; `router`
holds the rest and is included after it (no seed route takes these methods and suffixes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from ..core.models import (
    ConfigUpdate,
    CreateEmptyRequest,
    RenameRequest,
    ShutdownRequest,
    Task,
    VMActions,
)
from ..operations.start_options import StartOptionsState, StartRequest, VMStartOptions
from .deps import Authenticated, ServicesDep

reads = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["lifecycle"])
router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["lifecycle"])


@router.post("/create-empty", response_model=Task)
async def create_empty(request: CreateEmptyRequest, services: ServicesDep) -> Task:
    """A VM from scratch: `tart create --linux` (instant; attach an installer `iso`) or
    `tart create --from-ipsw` (macOS; a long task with progress)."""
    return await services.operations.create_empty(request)


@reads.get("/{vm_name:path}/start-options", response_model=StartOptionsState)
async def get_start_options(vm_name: str, services: ServicesDep) -> StartOptionsState:
    """The VM's remembered start options, the `tart run` they make, and its last run."""
    return await services.operations.start_options(vm_name)


@router.put("/{vm_name:path}/start-options", response_model=StartOptionsState)
async def put_start_options(
    vm_name: str, options: VMStartOptions, services: ServicesDep
) -> StartOptionsState:
    """Remember start options for the VM's next starts (checked now: paths, guest OS)."""
    return await services.operations.set_start_options(vm_name, options)


@router.post("/{vm_name:path}/start-options/preview", response_model=StartOptionsState)
async def preview_start_options(
    vm_name: str, options: VMStartOptions, services: ServicesDep
) -> StartOptionsState:
    """PUT's checks and answer, nothing saved: the exact `tart run` these options make."""
    return await services.operations.preview_start_options(vm_name, options)


@reads.get("/{vm_name:path}/actions", response_model=VMActions)
async def actions(vm_name: str, services: ServicesDep) -> VMActions:
    """What can be done to the VM now, each refusal with the reason the action would give."""
    return await services.operations.actions(vm_name)


@router.post("/{vm_name:path}/resume", response_model=Task)
async def resume(
    vm_name: str,
    services: ServicesDep,
    body: Annotated[StartRequest | None, Body()] = None,
) -> Task:
    """Start a suspended VM from its saved state (a `start` that insists on `suspended`)."""
    return await services.operations.resume(vm_name, body)


@router.post("/{vm_name:path}/suspend", response_model=Task)
async def suspend(vm_name: str, services: ServicesDep) -> Task:
    """Save a running macOS VM's memory to disk (`tart suspend`); it was started suspendable."""
    return await services.operations.suspend(vm_name)


@router.post("/{vm_name:path}/shutdown", response_model=Task)
async def shutdown(
    vm_name: str,
    services: ServicesDep,
    body: Annotated[ShutdownRequest | None, Body()] = None,
) -> Task:
    """Ask the guest OS to shut down and wait; the result's `method` is `shutdown` or `force`."""
    return await services.operations.shutdown(vm_name, body)


@router.patch("/{vm_name:path}/config", response_model=Task)
async def update_config(vm_name: str, update: ConfigUpdate, services: ServicesDep) -> Task:
    """Change a stopped VM's CPU, memory, display, disk size (grow only) or MAC (`tart set`)."""
    return await services.operations.update_config(vm_name, update)


@router.post("/{vm_name:path}/rename", response_model=Task)
async def rename(vm_name: str, request: RenameRequest, services: ServicesDep) -> Task:
    """Rename a stopped VM (`tart rename`); its start options follow it."""
    return await services.operations.rename(vm_name, request)
