"""Annotated dependencies: the services, and the token check every `/api/` route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from ..errors import Unauthorized
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


Authenticated = Depends(require_token)
