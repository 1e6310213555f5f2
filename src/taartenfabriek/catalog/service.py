"""Catalog service: Cirrus Labs' macOS images from the GitHub Packages API (the seed's way)."""

from __future__ import annotations

from typing import Any

import httpx

from ..errors import BackendUnavailable
from ..models import VMImage
from .token import GitHubTokenStore

ORG = "cirruslabs"


class Catalog:
    def __init__(self, tokens: GitHubTokenStore, *, github_api_url: str, timeout: float = 20):
        self.tokens = tokens
        self.github_api_url = github_api_url.rstrip("/")
        self.timeout = timeout

    async def images(self, *, force_refresh: bool = False) -> list[VMImage]:
        token = self.tokens.get()
        if not token:
            return []
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        async with httpx.AsyncClient(
            base_url=self.github_api_url, headers=headers, timeout=self.timeout
        ) as client:
            packages = await self._get(
                client, f"/orgs/{ORG}/packages", {"package_type": "container", "per_page": 100}
            )
            images: list[VMImage] = []
            for package in packages:
                name = package.get("name")
                if not isinstance(name, str) or not name.startswith("macos-"):
                    continue
                versions = await self._get(
                    client, f"/orgs/{ORG}/packages/container/{name}/versions", {"per_page": 100}
                )
                tags: list[str] = []
                for version in versions:
                    meta = version.get("metadata", {}).get("container", {})
                    tags.extend(t for t in meta.get("tags", []) if isinstance(t, str))
                images.append(
                    VMImage(
                        name=name,
                        url=f"ghcr.io/{ORG}/{name}:latest",
                        description=package.get("description"),
                        tags=tags,
                        updated_at=package.get("updated_at"),
                    )
                )
            return images

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            response = await client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"GitHub API unreachable: {exc}", status_code=503) from exc
        if response.status_code != 200:
            raise BackendUnavailable(
                f"GitHub API answered {response.status_code} for {path}", status_code=502
            )
        data = response.json()
        return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []
