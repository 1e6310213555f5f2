"""Images both ways: registry logins, push, and `.tvm` export and import.

The VM routes have fixed words after `{vm_name}` and take POST only, so the router is included
after `vms.router` like the other action routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ..core.image_models import (
    HOST_PATTERN,
    ExportRequest,
    ImportRequest,
    PushRequest,
    Registry,
    RegistryList,
    RegistryLogin,
)
from ..core.models import Task
from .deps import Authenticated, ServicesDep

registries = APIRouter(prefix="/api/registries", dependencies=[Authenticated], tags=["images"])
router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["images"])


@registries.get("", response_model=RegistryList)
async def list_registries(services: ServicesDep) -> RegistryList:
    """The registries logged in to through this server: host and user name, never a secret
    (Tart keeps the credentials; it has no command that lists them)."""
    await services.backend.check("registry-login", None)
    return services.registries.list()


@registries.post("/login", response_model=Registry)
async def login(request: RegistryLogin, services: ServicesDep) -> Registry:
    """`tart login <host> --username U --password-stdin`: the password reaches Tart on its
    stdin only. A refused login is a 422 with the registry's reason; an unreachable registry
    a 502 (never 401/403: those mean this server's own token)."""
    await services.backend.check("registry-login", None)
    return await services.registries.login(request)


@registries.post("/{host}/logout", response_model=RegistryList)
async def logout(
    host: Annotated[str, Path(pattern=HOST_PATTERN, max_length=260)], services: ServicesDep
) -> RegistryList:
    """`tart logout <host>`, and forget the host; succeeds when there was no login."""
    await services.backend.check("registry-login", None)
    return await services.registries.logout(host)


@router.post("/import", response_model=Task)
async def import_vm(request: ImportRequest, services: ServicesDep) -> Task:
    """`tart import <path> <name>`: a `.tvm` file on this Mac becomes a new VM (never over an
    existing one: 409, as for clone)."""
    return await services.images.import_(request)


@router.post("/{vm_name:path}/push", response_model=Task)
async def push(vm_name: str, request: PushRequest, services: ServicesDep) -> Task:
    """`tart push <vm> <remote>...`: upload to one or more references, with progress; refused
    while the VM runs (Tart holds the VM's lock while it uploads)."""
    return await services.images.push(vm_name, request)


@router.post("/{vm_name:path}/export", response_model=Task)
async def export(vm_name: str, request: ExportRequest, services: ServicesDep) -> Task:
    """`tart export <vm> <path>`: write a `.tvm` file on this Mac (409 if it exists, unless
    `overwrite`; the old file is replaced only once the new one is complete)."""
    return await services.images.export(vm_name, request)
