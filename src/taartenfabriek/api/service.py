"""Start at login, as the settings page shows it: is the LaunchAgent installed, for which
server, and the `taartenfabriek service ...` commands for this server.

Only reads: installing runs a program at every login, which stays a terminal command.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter

from ..care import launchagent
from ..core.care_models import StartAtLogin
from ..core.settings import Settings
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/settings", dependencies=[Authenticated], tags=["settings"])

DEFAULTS = Settings.model_fields


def _options(settings: Settings) -> list[str]:
    """`--port`/`--home` as given to this server, so the commands address this one."""
    options = ["--port", str(settings.port)]
    default_home = DEFAULTS["home"].default.expanduser()
    if settings.home != default_home:
        options += ["--home", str(settings.home)]
    return options


def _installed_port_and_home(plist: dict[str, Any]) -> tuple[int | None, str | None]:
    arguments = [str(a) for a in plist.get("ProgramArguments", [])]
    port: int | None = None
    if "--port" in arguments[:-1]:
        value = arguments[arguments.index("--port") + 1]
        port = int(value) if value.isdigit() else None
    environment = plist.get("EnvironmentVariables")
    home = environment.get("TARTVM_HOME") if isinstance(environment, dict) else None
    return port, home if isinstance(home, str) else None


def describe(settings: Settings) -> StartAtLogin:
    installed = launchagent.read_installed()
    port, home = _installed_port_and_home(installed) if installed is not None else (None, None)
    matches = None
    if installed is not None:
        matches = port == settings.port and home is not None and home == str(settings.home)
    options = _options(settings)
    return StartAtLogin(
        supported=launchagent.can_run_launchctl(),
        installed=installed is not None,
        plist=str(launchagent.plist_path()),
        port=port,
        home=home,
        matches=matches,
        # launchd names the job of every process it starts in XPC_SERVICE_NAME.
        started_at_login=os.environ.get("XPC_SERVICE_NAME") == launchagent.LABEL,
        install_command=["taartenfabriek", "service", "install", *options],
        uninstall_command=["taartenfabriek", "service", "uninstall"],
        status_command=["taartenfabriek", "service", "status"],
        open_command=["taartenfabriek", "open", *options],
    )


@router.get("/start-at-login", response_model=StartAtLogin)
async def start_at_login(services: ServicesDep) -> StartAtLogin:
    """Whether the server starts at login (a LaunchAgent) and the commands to change that."""
    return describe(services.settings)
