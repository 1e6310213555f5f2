"""The one table from exceptions to HTTP answers: JSON `{"detail": ...}`, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..errors import TaartError

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    @app.exception_handler(TaartError)
    async def _taart_error(request: Request, exc: TaartError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal server error"}, status_code=500)
