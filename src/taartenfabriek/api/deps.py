"""Annotated dependencies: the services, and the token check every `/api/` route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from ..core.errors import Unauthorized
from ..services import Services

TOKEN_HEADER = "X-Local-Token"
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
    services: ServicesDep, token: Annotated[str | None, Depends(_token_header)]
) -> None:
    if not services.tokens.check(token):
        raise Unauthorized(
            "missing or wrong X-Local-Token header" if token else "missing X-Local-Token header"
        )


Authenticated = Depends(require_token)
