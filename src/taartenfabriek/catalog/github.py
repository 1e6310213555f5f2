"""Cirrus Labs' images through the GitHub Packages API (needs a token with `read:packages`).

`GET /orgs/cirruslabs/packages?package_type=container` lists every container package, paged by
the `Link` header; `GET .../packages/container/{name}/versions` gives each package's tags.
The token goes in an `Authorization` header to the GitHub API origin and nowhere else: a
`next` link pointing at another host is not followed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

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
    server_message,
    unexpected_status,
)

log = logging.getLogger(__name__)

SERVICE = "GitHub API"
API_VERSION = "2022-11-28"
PER_PAGE = 100


def _auth_error(response: httpx.Response) -> BackendUnavailable | None:
    """Token trouble, said so that the user knows what to change (and still not a 401/403)."""
    message = server_message(response)
    said = f": {message}" if message else ""
    if response.status_code == 401:
        return BackendUnavailable(
            f"GitHub rejected the token (401{said}): it is invalid, expired or revoked. "
            "Set a new token with the read:packages scope in Settings, or clear it to list "
            "the public images anonymously.",
            status_code=502,
        )
    if is_rate_limited(response):
        return rate_limit_error(SERVICE, response)
    if response.status_code == 403:
        scopes = response.headers.get("x-oauth-scopes")
        has = f" (it has: {scopes or 'no scopes'})" if scopes is not None else ""
        return BackendUnavailable(
            f"GitHub refused access (403{said}): the token needs the read:packages scope{has}, "
            f"and access to the {known.ORG} organization if it is fine-grained or SSO-bound.",
            status_code=502,
        )
    return None


class GitHubPackages:
    """One catalog fetch through the GitHub Packages API."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        semaphore: asyncio.Semaphore,
        *,
        api_url: str,
        token: str,
        registry_host: str,
    ) -> None:
        self.fetcher = Fetcher(client, semaphore, service=SERVICE)
        self.api_url = api_url.rstrip("/")
        self.origin = origin_of(self.api_url)
        self.token = token
        self.registry_host = registry_host

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if origin_of(url) == self.origin:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def _pages(
        self, path: str, params: dict[str, Any], *, missing_ok: bool = False
    ) -> list[Mapping[str, Any]] | None:
        """Every item of a paged list; None when `missing_ok` and the list does not exist."""
        url: str | None = f"{self.api_url}{path}"
        query: dict[str, Any] | None = params
        items: list[Mapping[str, Any]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = await self.fetcher.get(url, params=query, headers=self._headers(url))
            if response.status_code == 404 and missing_ok:
                return None
            if response.status_code != 200:
                raise _auth_error(response) or unexpected_status(SERVICE, response)
            data = json_body(SERVICE, response)
            if not isinstance(data, list):
                raise BackendUnavailable(
                    f"{SERVICE} sent no list for {response.request.url.path}", status_code=502
                )
            items.extend(item for item in data if isinstance(item, Mapping))
            url, query = next_link(response), None
            if url is not None and origin_of(url) != self.origin:
                log.warning("not following a GitHub next link to another host: %s", url)
                url = None
        return items

    async def _image(self, package: Mapping[str, Any]) -> VMImage | None:
        name = str(package["name"])
        path = f"/orgs/{known.ORG}/packages/container/{quote(name, safe='')}/versions"
        versions = await self._pages(path, {"per_page": PER_PAGE}, missing_ok=True)
        if versions is None:
            # Listed, but its versions cannot be read (deleted a moment ago, or an API that
            # lists packages only): offered with the tags it is known to carry, since a pull
            # of a tag that is gone fails in its task with the registry's word for it.
            log.info("the versions of package %s could not be read", name)
            versions = images.known_versions(name)
        return images.image_from_package(package, versions, registry_host=self.registry_host)

    async def fetch(self) -> list[VMImage]:
        packages = await self._pages(
            f"/orgs/{known.ORG}/packages", {"package_type": "container", "per_page": PER_PAGE}
        )
        wanted = [
            package
            for package in packages or []
            if isinstance(package.get("name"), str) and known.is_tart_image(package["name"])
        ]
        found = await gather_all(self._image(package) for package in wanted)
        return images.sort_images(image for image in found if image is not None)
