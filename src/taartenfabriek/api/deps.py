"""Annotated dependencies: the services, and the token check every `/api/` route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from ..core.errors import Unauthorized
from ..operations.actions import ActionsOracle
from ..operations.creates import CreateActions
from ..operations.deletes import DeleteActions
from ..operations.edits import EditActions
from ..operations.starts import StartActions
from ..operations.stops import StopActions
from .parts import Parts

TOKEN_HEADER = "X-Local-Token"
_token_header = APIKeyHeader(
    name=TOKEN_HEADER,
    auto_error=False,
    description="The local API token (see ~/.tartvm-manager/token).",
)


def get_services(request: Request) -> Parts:
    services: Parts = request.app.state.services
    return services


ServicesDep = Annotated[Parts, Depends(get_services)]


# each router names the family of actions it calls, not the whole container
def get_starts(services: ServicesDep) -> StartActions:
    return services.starts


def get_stops(services: ServicesDep) -> StopActions:
    return services.stops


def get_creates(services: ServicesDep) -> CreateActions:
    return services.creates


def get_edits(services: ServicesDep) -> EditActions:
    return services.edits


def get_deletes(services: ServicesDep) -> DeleteActions:
    return services.deletes


def get_actions(services: ServicesDep) -> ActionsOracle:
    return services.actions


StartsDep = Annotated[StartActions, Depends(get_starts)]
StopsDep = Annotated[StopActions, Depends(get_stops)]
CreatesDep = Annotated[CreateActions, Depends(get_creates)]
EditsDep = Annotated[EditActions, Depends(get_edits)]
DeletesDep = Annotated[DeleteActions, Depends(get_deletes)]
ActionsDep = Annotated[ActionsOracle, Depends(get_actions)]


def require_token(
    services: ServicesDep, token: Annotated[str | None, Depends(_token_header)]
) -> None:
    if not services.tokens.check(token):
        raise Unauthorized(
            "missing or wrong X-Local-Token header" if token else "missing X-Local-Token header"
        )


Authenticated = Depends(require_token)
