"""The UI's static files, each read once (on its first request) and then served from memory
(gzipped when asked).

About thirty small ES modules load on a cold start; from memory each one costs a dict lookup
instead of a stat, an open and a thread hop, and gzip shrinks the transfer about fourfold.
Only the names are listed at startup: reading, hashing and gzipping all 3 MB (the vendored
noVNC, xterm.js and Swagger UI included) took ~0.1 s of CPU before the first answer.
Vendored files carry their version in the name and our own are requested with a content hash
(`?v=`), so both may be cached for good; a bare URL is revalidated with its ETag.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
GZIP_MIN = 512

TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".LICENSE": "text/plain; charset=utf-8",
    ".NOTICE": "text/plain; charset=utf-8",
}
"""Explicit types for what we ship, so module scripts never depend on the OS's mimetypes."""

COMPRESSIBLE = ("text/", "image/svg+xml", "application/json")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def names(root: Path) -> dict[str, Path]:
    """Every file under `root` by its URL path relative to it (`app/main.js`)."""
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def read(path: Path) -> Asset:
    body = path.read_bytes()
    media_type = TYPES.get(path.suffix) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    packed = None
    if media_type.startswith(COMPRESSIBLE) and len(body) >= GZIP_MIN:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, packed, media_type, etag)


class AssetFiles:
    """A minimal read-only static file app for files known at startup (mounted at /static)."""

    def __init__(self, root: Path) -> None:
        self.files = names(root)
        self._read: dict[str, Asset] = {}

    def asset(self, relative: str) -> Asset | None:
        """The file's bytes, gzip and ETag, read on its first request; None when unknown."""
        asset = self._read.get(relative)
        if asset is None and relative in self.files:
            try:
                asset = self._read[relative] = read(self.files[relative])
            except OSError:
                return None
        return asset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        method = scope.get("method", "GET")
        relative = str(scope.get("path", "")).removeprefix(str(scope.get("root_path", "")))
        asset = self.asset(relative.lstrip("/"))
        if method not in ("GET", "HEAD"):
            response: Response = JSONResponse(
                {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": "GET, HEAD"}
            )
        elif asset is None:
            response = JSONResponse({"detail": "Not Found"}, status_code=404)
        else:
            response = self._respond(asset, relative, scope)
        await response(scope, receive, send)

    def _respond(self, asset: Asset, relative: str, scope: Scope) -> Response:
        request = Headers(scope=scope)
        versioned = b"v=" in scope.get("query_string", b"") or "/vendor/" in f"/{relative}"
        headers = {
            "Cache-Control": IMMUTABLE if versioned else REVALIDATE,
            "ETag": asset.etag,
            "X-Content-Type-Options": "nosniff",
            "Vary": "Accept-Encoding",
        }
        if asset.etag in request.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        if scope.get("method") == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=asset.media_type)
        return Response(body, headers=headers, media_type=asset.media_type)
