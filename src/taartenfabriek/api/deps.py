"""Annotated dependencies: the services, and the token check every `/api/` route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader

from ..core.errors import InvalidInput, Unauthorized
from ..operations.actions import ActionsOracle
from ..operations.creates import CreateActions
from ..operations.deletes import DeleteActions
from ..operations.edits import EditActions
from ..operations.starts import StartActions
from ..operations.stops import StopActions
from ..security import TOKEN_HEADER
from .parts import Parts

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
    request: Request, services: ServicesDep, token: Annotated[str | None, Depends(_token_header)]
) -> None:
    if len(request.headers.getlist(TOKEN_HEADER)) > 1:
        raise Unauthorized(f"more than one {TOKEN_HEADER} header")
    if not services.tokens.check(token):
        raise Unauthorized(
            "missing or wrong X-Local-Token header" if token else "missing X-Local-Token header"
        )
    unknown = set(request.query_params) - _query_names(request.scope.get("route"))
    if unknown:
        # The document lists each route's parameters; one it does not list is a mistake
        # (a typo of `force_refresh` silently did nothing), not something to ignore.
        raise InvalidInput(f"unknown query parameter {sorted(unknown)[0]!r}")


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(route: object) -> frozenset[str]:
    """The query parameters `route` declares (routes live as long as the app: keyed by id)."""
    if not isinstance(route, APIRoute):
        return frozenset()
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        names = _QUERY_NAMES[id(route)] = frozenset(_query_aliases(route.dependant))
    return names


def _query_aliases(dependant: Dependant) -> list[str]:
    names = [field.alias for field in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_aliases(sub)
    return names


Authenticated = Depends(require_token)
