"""Console and terminal: the VM's screen (noVNC) and a shell (xterm.js) in the browser.

`GET /api/vms/{name}/console` says whether the screen can be shown and gives noVNC the password
(only here, behind the token). The sockets take `?token=` like every WebSocket (RequestGuard
has already checked Host and Origin); a wrong token closes them with 1008 before the server
connects anywhere. `router` is included before `vms.router`, whose `GET /api/vms/{vm_name:path}`
would read `dev/console` as a VM name.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from fastapi.responses import Response

from ..console.models import POLICY_VIOLATION, ConsoleCredentials, ConsoleInfo
from ..console.sockets import serve_serial, serve_terminal, serve_vnc
from .deps import Authenticated, ServicesDep
from .parts import Parts

router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["console"])
sockets = APIRouter()


@router.get("/{vm_name:path}/console", response_model=ConsoleInfo)
async def console_info(vm_name: str, services: ServicesDep) -> ConsoleInfo:
    """Can the VM's screen be shown now, how (`vnc-experimental` or the guest's `vnc`), and the
    password noVNC needs; `available: false` comes with the reason."""
    return await services.console.info(vm_name)


@router.put("/{vm_name:path}/console/credentials", response_model=ConsoleInfo)
async def set_credentials(
    vm_name: str, credentials: ConsoleCredentials, services: ServicesDep
) -> ConsoleInfo:
    """The guest user Screen Sharing (`vnc` mode) logs in as; stored 0600 on this Mac."""
    vm = await services.inventory.lookup(vm_name)
    services.console.credentials.set(vm.name, credentials.username, credentials.password)
    return await services.console.info(vm.name)


@router.delete("/{vm_name:path}/console/credentials", status_code=204)
async def forget_credentials(vm_name: str, services: ServicesDep) -> Response:
    """Back to the image defaults (admin/admin)."""
    vm = await services.inventory.lookup(vm_name)
    services.console.credentials.forget(vm.name)
    return Response(status_code=204)


async def _authenticated(websocket: WebSocket) -> Parts | None:
    services: Parts = websocket.app.state.services
    await websocket.accept()
    if not services.tokens.check(websocket.query_params.get("token")):
        await websocket.close(code=POLICY_VIOLATION, reason="missing or wrong token")
        return None
    return services


@sockets.websocket("/ws/vms/{vm_name:path}/vnc")
async def vnc_socket(websocket: WebSocket, vm_name: str) -> None:
    services = await _authenticated(websocket)
    if services is not None:
        await serve_vnc(websocket, services.console, vm_name)


@sockets.websocket("/ws/vms/{vm_name:path}/terminal")
async def terminal_socket(websocket: WebSocket, vm_name: str) -> None:
    services = await _authenticated(websocket)
    if services is not None:
        await serve_terminal(websocket, services.console, vm_name)


@sockets.websocket("/ws/vms/{vm_name:path}/serial")
async def serial_socket(websocket: WebSocket, vm_name: str) -> None:
    """The guest's serial console (a run started with the start option `serial`)."""
    services = await _authenticated(websocket)
    if services is not None:
        await serve_serial(websocket, services.console, vm_name)
