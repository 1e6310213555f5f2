"""The browser UI: static assets served from inside the package, with strict headers.

Everything the UI needs ships in the wheel (vendored Preact and htm, Swagger UI for `/docs`),
so the app works offline; see `static/vendor/VERSIONS.md` for what is vendored and why.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from .pages import BASE_HEADERS, STATIC, asset_versions, csp, render_docs, render_index

__all__ = ["SECURITY_HEADERS", "STATIC", "AssetFiles", "mount"]

SECURITY_HEADERS = {**BASE_HEADERS, "Content-Security-Policy": csp()}
"""The headers of every HTML page (the index adds its import map's hash to the CSP)."""

IMMUTABLE = "public, max-age=31536000, immutable"


class AssetFiles(StaticFiles):
    """StaticFiles with cache headers that match how the pages name assets.

    Vendored files have their version in the name and our own files are requested with a
    content hash (`?v=`), so both can be cached for good; a bare URL is revalidated each time.
    """

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        path = str(scope.get("path", ""))
        versioned = b"v=" in scope.get("query_string", b"") or "/vendor/" in path
        response.headers["Cache-Control"] = IMMUTABLE if versioned else "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if str(full_path).endswith(".js"):
            # Module scripts need a JavaScript type; do not trust the OS's mimetypes table.
            response.headers["Content-Type"] = "text/javascript; charset=utf-8"
        return response


def mount(app: FastAPI) -> None:
    """Serve the UI at `/`, its assets at `/static`, and (if `docs_url=None`) `/docs`.

    FastAPI's own `/docs` loads Swagger UI from a CDN, which fails offline; create the app with
    `FastAPI(docs_url=None)` and this serves the vendored copy instead.
    """
    versions = asset_versions()
    index = render_index(versions)
    app.mount("/static", AssetFiles(directory=STATIC), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def ui() -> Response:
        return Response(index.body, media_type="text/html; charset=utf-8", headers=index.headers)

    if app.docs_url is None and app.openapi_url is not None:
        docs = render_docs(app.openapi_url, app.title, versions)

        @app.get("/docs", include_in_schema=False)
        async def api_docs() -> Response:
            return Response(docs.body, media_type="text/html; charset=utf-8", headers=docs.headers)
