"""The catalog service: which images can be pulled, fetched once per TTL and shared.

With a GitHub token it lists Cirrus Labs' packages through the GitHub Packages API (the
seed's way); without one it asks the registry anonymously for the known repositories, so the
catalog works on first run. Results are kept in memory and on disk; when a fetch fails and
an older catalog exists, that one is served marked `stale` rather than an error, because an
offline laptop should still show what it last knew.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from .. import __version__
from ..core.errors import BackendUnavailable
from ..core.models import VMImage
from . import images, known
from .cache import CatalogFile, Snapshot
from .token import GitHubTokenStore

log = logging.getLogger(__name__)

DEFAULT_REGISTRY_URL = "https://ghcr.io"


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Catalog:
    """Images that can be pulled, as `VMImage`s marked with `origin`, `stale` and `fetched_at`."""

    def __init__(
        self,
        tokens: GitHubTokenStore,
        *,
        github_api_url: str,
        registry_url: str = DEFAULT_REGISTRY_URL,
        cache_path: Path | None = None,
        ttl: float = 3600,
        timeout: float = 15,
        deadline: float = 60,
        concurrency: int = 8,
        known_names: Sequence[str] | None = None,
        local_source: Callable[[], Sequence[VMImage]] | None = None,
    ) -> None:
        self.tokens = tokens
        self.github_api_url = github_api_url.rstrip("/")
        self.registry_url = registry_url.rstrip("/")
        self.registry_host = urlsplit(self.registry_url).netloc or self.registry_url
        self.file = CatalogFile(cache_path) if cache_path is not None else None
        self.ttl = ttl
        self.timeout = timeout
        self.deadline = deadline
        self.concurrency = concurrency
        self.known_names = tuple(known_names or (image.name for image in known.KNOWN_IMAGES))
        self._snapshot: Snapshot | None = None
        self._loaded = self.file is None
        self._inflight: dict[str, asyncio.Task[Snapshot]] = {}
        self.local_source = local_source
        """`--demo`: the simulator's registry lists the images; nothing remote is asked."""

    def _key(self, token: str | None) -> str:
        """Whose catalog: a new token, API or registry URL means a new fetch."""
        if token:
            fingerprint = hashlib.sha256(token.encode()).hexdigest()[:16]
            return f"github {self.github_api_url} {fingerprint} {self.registry_host}"
        return f"registry {self.registry_url}"

    async def _cached(self) -> Snapshot | None:
        if not self._loaded and self.file is not None:
            self._snapshot = await asyncio.to_thread(self.file.load)
            self._loaded = True
        return self._snapshot

    async def images(self, *, force_refresh: bool = False) -> list[VMImage]:
        if self.local_source is not None:
            found = await asyncio.to_thread(self.local_source)
            fetched = _iso(time.time())
            return [image.model_copy(update={"fetched_at": fetched}) for image in found]
        token = self.tokens.get()
        key = self._key(token)
        cached = await self._cached()
        if (
            not force_refresh
            and cached is not None
            and cached.key == key
            and time.time() - cached.fetched_at < self.ttl
        ):
            return self._serve(cached)
        try:
            snapshot = await self._shared_fetch(key, token)
        except BackendUnavailable as exc:
            fallback = await self._cached()
            if fallback is not None:
                when = _iso(fallback.fetched_at)
                log.warning("catalog fetch failed; serving the one of %s: %s", when, exc)
                return self._serve(fallback, stale_reason=exc.detail)
            if token:
                raise
            # No token, nothing cached, no registry: the seed answered a list here, and a
            # first run offline should still show what exists, so the built-in list it is.
            log.warning("catalog fetch failed; serving the built-in list: %s", exc)
            marks = {"stale": True, "stale_reason": exc.detail}
            builtin = images.builtin_images(self.registry_host)
            return [image.model_copy(update=marks) for image in builtin]
        return self._serve(snapshot)

    def _serve(self, snapshot: Snapshot, *, stale_reason: str | None = None) -> list[VMImage]:
        marks = {
            "stale": stale_reason is not None,
            "stale_reason": stale_reason,
            "fetched_at": _iso(snapshot.fetched_at),
        }
        return [image.model_copy(update=marks) for image in snapshot.images]

    async def _shared_fetch(self, key: str, token: str | None) -> Snapshot:
        """Concurrent requests for the same catalog wait on one fetch."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, token), name=f"catalog {key[:8]}")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        # shield: one impatient client going away must not cancel the others' fetch.
        return await asyncio.shield(task)

    def _forget(self, key: str, task: asyncio.Task[Snapshot]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved here, so an unawaited failure is not logged twice

    async def _fetch(self, key: str, token: str | None) -> Snapshot:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.deadline):
                found = await self._download(token)
        except TimeoutError as exc:
            raise BackendUnavailable(
                f"the image catalog took longer than {self.deadline:g} s to read; "
                "check the network connection or try again.",
                status_code=504,
            ) from exc
        origin = "github" if token else "registry"
        snapshot = Snapshot(key, origin, time.time(), tuple(found))
        log.info(
            "catalog: %d images from %s in %.2f s", len(found), origin, time.monotonic() - started
        )
        self._snapshot, self._loaded = snapshot, True
        if self.file is not None:
            await asyncio.to_thread(self.file.save, snapshot)
        return snapshot

    async def _download(self, token: str | None) -> list[VMImage]:
        # httpx (and what reads GitHub and the registry with it) only when the catalog is
        # first fetched: importing it costs ~25 ms of every server start
        import httpx

        from .github import GitHubPackages
        from .registry import RegistryTags

        headers = {"User-Agent": f"taartenfabriek/{__version__}"}
        semaphore = asyncio.Semaphore(self.concurrency)
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0))
        # one new connection at once when the first cannot be made (a busy or waking Mac's
        # network; the catalog opens up to `concurrency` at a time): a connect error only,
        # never a request that was sent (httpcore's connection retries)
        transport = httpx.AsyncHTTPTransport(retries=1)
        async with httpx.AsyncClient(
            timeout=timeout, headers=headers, transport=transport
        ) as client:
            if token:
                return await GitHubPackages(
                    client,
                    semaphore,
                    api_url=self.github_api_url,
                    token=token,
                    registry_host=self.registry_host,
                ).fetch()
            registry = RegistryTags(client, semaphore, registry_url=self.registry_url)
            return await registry.fetch(self.known_names)

    async def close(self) -> None:
        """Cancel fetches still running (server shutdown)."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
