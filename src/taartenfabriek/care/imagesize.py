"""How much room an image needs before it is pulled, from its registry manifest.

Tart itself wants the manifest's `org.cirruslabs.tart.uncompressed-disk-size` plus 128 MiB
free before a pull, and silently prunes its caches to get it (tart-cli.md §5 prune,
"Automatic pruning"). We ask the registry for the same manifest (anonymous bearer token, as
`tart pull` does for public images) within a short time budget, and remember the answer; a
registry that cannot be reached is not asked again for a while, so a Mac offline pays once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.names import RemoteName

if TYPE_CHECKING:
    import httpx  # imported when a size is first looked up: it costs ~25 ms at startup

TART_PULL_MARGIN = 128 * 1024 * 1024
"""The bytes Tart adds to the uncompressed disk size when it makes room for a pull."""
UNCOMPRESSED_DISK_SIZE = "org.cirruslabs.tart.uncompressed-disk-size"
UNCOMPRESSED_LAYER_SIZE = "org.cirruslabs.tart.uncompressed-size"
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
SIZE_TTL = 600.0
UNREACHABLE_TTL = 300.0
_CHALLENGE_RE = re.compile(r'(\w+)="([^"]*)"')


class SizeUnknown(Exception):
    """The registry did not tell the image's size; the message says why."""


@dataclass(frozen=True)
class ImageSize:
    reference: str
    digest: str | None
    disk_bytes: int | None
    download_bytes: int

    @property
    def needed_bytes(self) -> int:
        """Free space Tart wants before pulling (the download size if the disk's is unknown)."""
        if self.disk_bytes is None:
            return self.download_bytes
        return self.disk_bytes + TART_PULL_MARGIN


def size_from_manifest(reference: str, digest: str | None, manifest: Any) -> ImageSize:
    if not isinstance(manifest, dict) or not isinstance(manifest.get("layers"), list):
        raise SizeUnknown("the registry answered with no image manifest (an index?)")
    layers = [layer for layer in manifest["layers"] if isinstance(layer, dict)]
    download = sum(int(layer.get("size") or 0) for layer in layers)
    annotations = manifest.get("annotations") or {}
    disk: int | None = None
    try:
        disk = int(annotations[UNCOMPRESSED_DISK_SIZE])
    except (KeyError, TypeError, ValueError):
        sizes = [(layer.get("annotations") or {}).get(UNCOMPRESSED_LAYER_SIZE) for layer in layers]
        if sizes and all(isinstance(s, str) and s.isdigit() for s in sizes):
            disk = sum(int(s) for s in sizes if isinstance(s, str))
    return ImageSize(reference, digest, disk, download)


class ImageSizes:
    """Manifest lookups with a time budget, a positive cache and a negative cache per host."""

    def __init__(self, registry_url: str, *, timeout: float) -> None:
        self.registry_url = registry_url.rstrip("/")
        self.timeout = timeout
        self._sizes: dict[str, tuple[float, ImageSize]] = {}
        self._unreachable: dict[str, tuple[float, str]] = {}

    def base_url(self, name: RemoteName) -> str:
        """ghcr.io goes to TARTVM_REGISTRY_URL (tests point it at a fake); others to https."""
        if name.host == "ghcr.io":
            return self.registry_url
        return f"https://{name.host}"

    async def lookup(self, name: RemoteName) -> ImageSize:
        key = str(name)
        cached = self._sizes.get(key)
        if cached is not None and (name.digest or time.monotonic() - cached[0] < SIZE_TTL):
            return cached[1]
        base = self.base_url(name)
        down = self._unreachable.get(base)
        if down is not None and time.monotonic() - down[0] < UNREACHABLE_TTL:
            raise SizeUnknown(f"{base} was unreachable a moment ago ({down[1]})")
        import httpx

        try:
            size = await asyncio.wait_for(self._fetch(base, name), self.timeout)
        except TimeoutError:
            self._unreachable[base] = (time.monotonic(), "no answer")
            raise SizeUnknown(f"{base} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            self._unreachable[base] = (time.monotonic(), reason)
            raise SizeUnknown(f"{base} is unreachable ({reason})") from exc
        self._sizes[key] = (time.monotonic(), size)
        return size

    async def _fetch(self, base: str, name: RemoteName) -> ImageSize:
        reference = name.digest or name.tag or "latest"
        url = f"{base}/v2/{name.namespace}/manifests/{reference}"
        headers = {"Accept": ", ".join(MANIFEST_TYPES)}
        import httpx

        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True) as client:
            response = await client.get(url, headers=headers)
            if response.status_code == 401:
                token = await _anonymous_token(client, response, name)
                if token is not None:
                    headers["Authorization"] = f"Bearer {token}"
                    response = await client.get(url, headers=headers)
            if response.status_code != 200:
                raise SizeUnknown(f"the registry answered {response.status_code} for {name}")
            try:
                manifest = response.json()
            except ValueError as exc:
                raise SizeUnknown("the registry's manifest is not JSON") from exc
        digest = response.headers.get("Docker-Content-Digest")
        if not digest:
            digest = "sha256:" + hashlib.sha256(response.content).hexdigest()
        return size_from_manifest(str(name), digest, manifest)


async def _anonymous_token(
    client: httpx.AsyncClient, response: httpx.Response, name: RemoteName
) -> str | None:
    """Follow a `WWW-Authenticate: Bearer realm=...` challenge without credentials."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if not challenge.lower().startswith("bearer"):
        return None
    params = dict(_CHALLENGE_RE.findall(challenge))
    realm = params.pop("realm", None)
    if not realm:
        return None
    params.setdefault("scope", f"repository:{name.namespace}:pull")
    answer = await client.get(realm, params=params)
    if answer.status_code != 200:
        return None
    try:
        data = json.loads(answer.content)
    except ValueError:
        return None
    token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None
