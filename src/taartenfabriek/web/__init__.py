"""The browser UI: static assets served from inside the package, with strict headers. Imports
only core/; in static/app, views/ import components/, which import the base modules, never back.

Everything the UI needs ships in the wheel (vendored Preact and htm, Swagger UI for `/docs`),
so the app works offline; see `static/vendor/VERSIONS.md` for what is vendored and why.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import Response

from . import manifest
from .assets import AssetFiles
from .pages import BASE_HEADERS, STATIC, asset_versions, csp, render_docs, render_index

__all__ = ["SECURITY_HEADERS", "STATIC", "mount"]

SECURITY_HEADERS = {**BASE_HEADERS, "Content-Security-Policy": csp()}
"""The headers of every HTML page (the index adds its import map's hash to the CSP)."""


def mount(app: FastAPI) -> None:
    """Serve the UI at `/`, its manifest, its assets at `/static`, and (if `docs_url=None`)
    `/docs`.

    FastAPI's own `/docs` loads Swagger UI from a CDN, which fails offline; create the app with
    `FastAPI(docs_url=None)` and this serves the vendored copy instead.
    """
    versions = asset_versions()
    index = render_index(versions)
    app.mount("/static", AssetFiles(STATIC), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def ui() -> Response:
        return Response(index.body, media_type="text/html; charset=utf-8", headers=index.headers)

    app_manifest = manifest.render_manifest(versions)

    @app.api_route(manifest.PATH, methods=["GET", "HEAD"], include_in_schema=False)
    async def web_app_manifest() -> Response:
        """Public like the page itself (browsers fetch it without the token); the Host and
        Origin checks apply as to every request."""
        return Response(
            app_manifest.body, media_type=manifest.MEDIA_TYPE, headers=app_manifest.headers
        )

    if app.docs_url is None and app.openapi_url is not None:
        docs = render_docs(app.openapi_url, app.title, versions)

        @app.get("/docs", include_in_schema=False)
        async def api_docs() -> Response:
            return Response(docs.body, media_type="text/html; charset=utf-8", headers=docs.headers)
