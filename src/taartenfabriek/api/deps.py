"""Annotated dependencies: the services, and the token check every `/api/` route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader

from ..core.errors import InvalidInput, Unauthorized
from ..security import TOKEN_HEADER
from ..services import Services

_token_header = APIKeyHeader(
    name=TOKEN_HEADER,
    auto_error=False,
    description="The local API token (see ~/.tartvm-manager/token).",
)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


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
