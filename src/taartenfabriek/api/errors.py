"""The one table from exceptions to HTTP answers: JSON `{"detail": ...}`, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal server error"}, status_code=500)
