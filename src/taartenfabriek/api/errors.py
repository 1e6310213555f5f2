"""The one table from exceptions to HTTP answers: JSON `{"detail": ...}`, never a traceback."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..core.errors import TaartError
from ..core.models import ErrorResponse

log = logging.getLogger(__name__)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "A body that is not JSON."},
    403: {"model": ErrorResponse, "description": "Missing or wrong X-Local-Token header."},
    404: {"model": ErrorResponse, "description": "No such VM, task or route."},
    409: {"model": ErrorResponse, "description": "Conflicts with the current state."},
    413: {"model": ErrorResponse, "description": "Request body over 64 KiB."},
    422: {"model": ErrorResponse, "description": "Invalid name, reference, number or body."},
    502: {"model": ErrorResponse, "description": "Tart or a remote service failed."},
    503: {"model": ErrorResponse, "description": "Tart or a remote service is unavailable."},
    504: {"model": ErrorResponse, "description": "Tart or a remote service timed out."},
}
"""Declared on every `/api/` route so the OpenAPI document says what clients can receive."""


def install(app: FastAPI) -> None:
    @app.exception_handler(TaartError)
    async def _taart_error(request: Request, exc: TaartError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes each bad `input` back: a mistyped GitHub token included.
        errors = [
            {k: v for k, v in error.items() if k not in ("input", "url")} for error in exc.errors()
        ]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.url.path))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal server error"}, status_code=500)


_PARAM = re.compile(r"\{[^}]*\}")


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods of the most specific route template matching `path`, as documented.

    Starlette's 405 names the methods of the first route whose path matched, and the
    `GET /api/vms/{vm_name:path}` catch-all matches `/api/vms/x/start` too: an OPTIONS there
    answered `Allow: GET` where the document says POST. The template with the most literal
    characters is the one the path was meant for.
    """
    matching = [
        route
        for route in app.routes
        if isinstance(route, APIRoute) and route.path_regex.match(path) is not None
    ]
    if not matching:
        return []
    best = max(len(_PARAM.sub("", route.path_format)) for route in matching)
    methods = {
        method
        for route in matching
        if len(_PARAM.sub("", route.path_format)) == best
        for method in route.methods or ()
    }
    return sorted(methods - {"HEAD"})
