"""The anonymous catalog: tags of the known Cirrus Labs repositories from the OCI registry.

The OCI Distribution API's pull flow, without credentials: an anonymous bearer token from the
registry's token endpoint (`GET /token?scope=repository:<repo>:pull&service=<host>`), then
`GET /v2/<repo>/tags/list`, paged by `Link` (`n` and `last`). We ask the token endpoint first
(it is where ghcr.io keeps it) and follow the registry's `WWW-Authenticate` challenge if that
turns out wrong, so any Distribution registry works. No GitHub token is ever sent here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

import httpx

from ..core.errors import BackendUnavailable
from ..core.models import VMImage
from . import images, known
from .remote import (
    MAX_PAGES,
    Fetcher,
    gather_all,
    is_rate_limited,
    json_body,
    next_link,
    origin_of,
    rate_limit_error,
    unexpected_status,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class Denied(Exception):
    """The registry would not show this repository to an anonymous client."""


def parse_challenge(header: str) -> dict[str, str]:
    """`Bearer realm="...",service="...",scope="..."` -> its parameters (empty if not Bearer)."""
    if not header.lower().startswith("bearer "):
        return {}
    return {key.lower(): value for key, value in _CHALLENGE_PARAM.findall(header)}


class RegistryTags:
    """One anonymous catalog fetch from an OCI registry."""

    def __init__(
        self, client: httpx.AsyncClient, semaphore: asyncio.Semaphore, *, registry_url: str
    ) -> None:
        self.base = registry_url.rstrip("/")
        self.origin = origin_of(self.base)
        self.host = self.origin[1]
        self.service = f"registry {self.host}"
        self.fetcher = Fetcher(client, semaphore, service=self.service)
        self.realm = f"{self.base}/token"
        self.token_service = self.host

    async def _token(self, repository: str) -> str | None:
        params = {"scope": f"repository:{repository}:pull", "service": self.token_service}
        response = await self.fetcher.get(self.realm, params=params)
        if is_rate_limited(response):
            raise rate_limit_error(self.service, response)
        if response.status_code != 200:
            log.info("token endpoint %s answered %s", self.realm, response.status_code)
            return None
        body = json_body(self.service, response)
        token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        return token if isinstance(token, str) and token else None

    def _follow(self, challenge: dict[str, str]) -> bool:
        """Adopt the challenge's realm and service; False when they teach us nothing new."""
        realm = challenge.get("realm")
        if not realm:
            return False
        service = challenge.get("service", self.token_service)
        changed = (realm, service) != (self.realm, self.token_service)
        self.realm, self.token_service = realm, service
        return changed

    async def tags(self, name: str) -> list[str] | None:
        """Every tag of `cirruslabs/<name>`; None when the repository does not exist."""
        repository = f"{known.ORG}/{name}"
        token = await self._token(repository)
        url: str | None = f"{self.base}/v2/{repository}/tags/list"
        query: dict[str, str | int] | None = {"n": PAGE_SIZE}
        retried = False
        tags: list[str] = []
        pages = 0
        while url is not None and pages < MAX_PAGES:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await self.fetcher.get(url, params=query, headers=headers)
            if response.status_code == 401 and not retried:
                retried = True
                challenge = parse_challenge(response.headers.get("www-authenticate", ""))
                if self._follow(challenge) or token is None:
                    token = await self._token(repository)
                continue
            if response.status_code == 404:
                return None
            if is_rate_limited(response):
                raise rate_limit_error(self.service, response)
            if response.status_code in (401, 403):
                raise Denied(repository)
            if response.status_code != 200:
                raise unexpected_status(self.service, response)
            body = json_body(self.service, response)
            found = body.get("tags") if isinstance(body, dict) else None
            tags.extend(tag for tag in found or [] if isinstance(tag, str))
            pages += 1
            url, query = next_link(response), None
            if url is not None and origin_of(url) != self.origin:
                log.warning("not following a registry next link to another host: %s", url)
                url = None
        return tags

    async def _image(self, name: str) -> VMImage | Denied | None:
        try:
            tags = await self.tags(name)
        except Denied as denied:
            log.info("registry %s denied anonymous access to %s", self.host, denied)
            return denied
        if tags is None:
            return None
        return images.make_image(name, tags, registry_host=self.host, origin="registry")

    async def fetch(self, names: Iterable[str]) -> list[VMImage]:
        results = await gather_all(self._image(name) for name in names)
        found = [image for image in results if isinstance(image, VMImage)]
        if found or not results:
            return images.sort_images(found)
        if all(isinstance(result, Denied) for result in results):
            detail = f"refused anonymous access to every {known.ORG} repository"
        else:
            detail = f"has none of the {known.ORG} images"
        raise BackendUnavailable(
            f"{self.service} {detail}; set a GitHub token with read:packages in Settings "
            "to list images instead.",
            status_code=502,
        )
