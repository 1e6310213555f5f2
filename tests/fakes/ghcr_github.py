"""A fake GitHub Packages API plus OCI registry (ghcr.io), served over real HTTP on loopback.

It speaks the shapes of the real services, as documented:
- GitHub REST "packages": `GET /orgs/{org}/packages?package_type=container` and
  `GET /orgs/{org}/packages/container/{name}/versions`, paged with `per_page`/`page` and a
  `Link` header (absolute URLs, `rel="next"`/`"last"`); 401 `Bad credentials`; 403 for a token
  without `read:packages` (with `X-OAuth-Scopes`); 403 with `x-ratelimit-remaining: 0` and
  `x-ratelimit-reset` when rate limited. Package objects carry no `description` (the real
  ones don't); versions carry `metadata.container.tags`, empty for untagged digests.
- OCI Distribution: an anonymous token endpoint (`GET <realm>?scope=repository:<repo>:pull
  &service=<service>` -> `{"token": ...}`), and `GET /v2/<repo>/tags/list` that needs that
  bearer token (401 + `WWW-Authenticate: Bearer realm=...` otherwise), paged with `n`/`last`
  and a relative `Link` header, 404 `NAME_UNKNOWN`, 403 `DENIED` for private repositories.

Every request is recorded (path, query, Authorization) so tests can check who got which token.
Knobs on `FakeState` make it slow, rate limited or failing.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

ORG = "cirruslabs"
DOCS = "https://docs.github.com/rest/packages/packages"


@dataclass
class FakeVersion:
    tags: list[str]
    updated_at: str = "2025-01-01T00:00:00Z"
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            seed = ",".join(self.tags) or uuid.uuid4().hex
            self.digest = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


@dataclass
class FakePackage:
    name: str
    versions: list[FakeVersion]
    updated_at: str = "2025-01-02T03:04:05Z"
    extra_registry_tags: list[str] = field(default_factory=list)
    """Tags only the registry lists (cosign `sha256-<hex>.sig` artifacts, say)."""

    @property
    def registry_tags(self) -> list[str]:
        tags = [tag for version in self.versions for tag in version.tags]
        return sorted(set(tags + self.extra_registry_tags))


@dataclass
class Recorded:
    host: str
    path: str
    query: dict[str, str]
    authorization: str | None


@dataclass
class FakeState:
    packages: dict[str, FakePackage] = field(default_factory=dict)
    good_tokens: set[str] = field(default_factory=set)
    no_scope_tokens: set[str] = field(default_factory=set)
    rate_limited: bool = False
    rate_limit_reset: int = 1_900_000_000
    github_max_per_page: int = 100
    registry_max_n: int = 1000
    registry_rate_limited: bool = False
    private: set[str] = field(default_factory=set)
    realm_path: str = "/token"
    service: str | None = None
    """The service the token endpoint insists on; None accepts whatever the client sends."""
    vanished: set[str] = field(default_factory=set)
    """Packages listed, whose versions then answer 404 (deleted in between)."""
    link_host: str | None = None
    """Put GitHub `next` links on this host instead (a host that must not get the token)."""
    delay: float = 0.0
    delay_prefix: str = "/"
    requests: list[Recorded] = field(default_factory=list)
    issued: dict[str, str] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0

    def count(self, prefix: str) -> int:
        return sum(1 for request in self.requests if request.path.startswith(prefix))


def realistic_state(good_token: str = "ghp_fake_good_token_1234") -> FakeState:
    """Cirrus Labs' org as it looks: Tart images, untagged digests, signatures, other images."""
    releases = {"tahoe": 26, "sequoia": 15, "sonoma": 14, "ventura": 13}
    packages: dict[str, FakePackage] = {}
    for release, major in releases.items():
        for kind in ("vanilla", "base"):
            versions = [FakeVersion([f"{major}.{n}"]) for n in range(3)]
            versions.append(FakeVersion(["latest", f"{major}.3"], "2025-03-01T00:00:00Z"))
            versions.append(FakeVersion([]))  # an untagged, superseded digest
            name = f"macos-{release}-{kind}"
            signature = "sha256-" + "ab" * 32 + ".sig"
            packages[name] = FakePackage(name, versions, extra_registry_tags=[signature])
        xcode = [FakeVersion([v]) for v in ("16.1", "16.2", "16.10", "16.3-beta-1", "16.3-beta-2")]
        xcode.append(FakeVersion(["16", "16.3", "latest"]))
        packages[f"macos-{release}-xcode"] = FakePackage(f"macos-{release}-xcode", xcode)
    packages["macos-monterey-base"] = FakePackage(
        "macos-monterey-base", [FakeVersion(["latest", "12.7"])]
    )
    packages["macos-runner"] = FakePackage(
        "macos-runner", [FakeVersion([r]) for r in ("sonoma", "tahoe", "sequoia")]
    )
    packages["ubuntu"] = FakePackage(
        "ubuntu", [FakeVersion(t) for t in (["22.04"], ["latest", "24.04"])]
    )
    packages["debian"] = FakePackage("debian", [FakeVersion(["latest", "bookworm"])])
    packages["fedora"] = FakePackage("fedora", [FakeVersion(["latest", "41"]), FakeVersion(["40"])])
    # Ordinary Docker images of the org, which Tart cannot run.
    packages["cirrus-ci-agent"] = FakePackage("cirrus-ci-agent", [FakeVersion(["v1.0"])])
    packages["flutter"] = FakePackage("flutter", [FakeVersion(["latest", "3.24"])])
    return FakeState(packages=packages, good_tokens={good_token})


def scaled_state(count: int, versions: int, good_token: str) -> FakeState:
    """`count` macOS packages with `versions` tagged versions each (for timing)."""
    packages = {}
    for index in range(count):
        name = f"macos-r{index}-base"
        tagged = [FakeVersion([f"{index}.{n}"]) for n in range(versions - 1)]
        tagged.append(FakeVersion(["latest"]))
        packages[name] = FakePackage(name, tagged)
    return FakeState(packages=packages, good_tokens={good_token})


def _package_json(base: str, package: FakePackage, index: int) -> dict[str, Any]:
    return {
        "id": 1000 + index,
        "name": package.name,
        "package_type": "container",
        "owner": {"login": ORG, "id": 1, "type": "Organization"},
        "version_count": len(package.versions),
        "visibility": "public",
        "url": f"{base}orgs/{ORG}/packages/container/{package.name}",
        "html_url": f"https://github.com/orgs/{ORG}/packages/container/package/{package.name}",
        "created_at": "2022-01-01T00:00:00Z",
        "updated_at": package.updated_at,
        "repository": {
            "id": 7,
            "name": "macos-image-templates",
            "full_name": f"{ORG}/macos-image-templates",
            "description": "Repository with Packer templates to build VMs for Tart",
        },
    }


def _version_json(
    base: str, package: FakePackage, version: FakeVersion, index: int
) -> dict[str, Any]:
    html = f"https://github.com/orgs/{ORG}/packages/container/{package.name}"
    return {
        "id": 5000 + index,
        "name": version.digest,
        "url": f"{base}orgs/{ORG}/packages/container/{package.name}/versions/{5000 + index}",
        "package_html_url": f"https://github.com/orgs/{ORG}/packages/container/package/{package.name}",
        "created_at": version.updated_at,
        "updated_at": version.updated_at,
        "html_url": f"{html}/{5000 + index}",
        "metadata": {"package_type": "container", "container": {"tags": list(version.tags)}},
    }


class FakeGhcr:
    """The Starlette app; `state` may be changed by tests while it runs."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.routes = Starlette(
            routes=[
                Route("/orgs/{org}/packages", self.packages),
                Route("/orgs/{org}/packages/container/{name}/versions", self.versions),
                Route("/v2/{repository:path}/tags/list", self.tags),
                Route("/{realm:path}", self.token),
            ]
        )

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Counts requests in progress, to check the client's concurrency bound."""
        self.state.in_flight += 1
        self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        try:
            await self.routes(scope, receive, send)
        finally:
            self.state.in_flight -= 1

    async def _enter(self, request: Request) -> None:
        self.state.requests.append(
            Recorded(
                request.headers.get("host", ""),
                request.url.path,
                dict(request.query_params),
                request.headers.get("authorization"),
            )
        )
        if self.state.delay and request.url.path.startswith(self.state.delay_prefix):
            await asyncio.sleep(self.state.delay)

    # -- GitHub --------------------------------------------------------------------------
    def _github_auth(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            return JSONResponse(
                {"message": "Requires authentication", "documentation_url": DOCS, "status": "401"},
                401,
            )
        if scheme.lower() not in ("bearer", "token") or token not in (
            self.state.good_tokens | self.state.no_scope_tokens
        ):
            return JSONResponse(
                {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}, 401
            )
        limits = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0" if self.state.rate_limited else "4999",
            "x-ratelimit-reset": str(self.state.rate_limit_reset),
            "x-ratelimit-used": "5000" if self.state.rate_limited else "1",
            "x-ratelimit-resource": "core",
        }
        if self.state.rate_limited:
            message = "API rate limit exceeded for user ID 1."
            return JSONResponse(
                {"message": message, "documentation_url": DOCS, "status": "403"},
                403,
                headers=limits,
            )
        if token in self.state.no_scope_tokens:
            return JSONResponse(
                {
                    "message": "You need at least read:packages scope to list packages.",
                    "documentation_url": DOCS,
                    "status": "403",
                },
                403,
                headers={**limits, "x-oauth-scopes": "repo, workflow"},
            )
        return None

    def _page(self, request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        per_page = min(
            int(request.query_params.get("per_page", "30")), self.state.github_max_per_page
        )
        page = max(int(request.query_params.get("page", "1")), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        for rel, number in (("next", page + 1), ("last", last)):
            if rel == "next" and page >= last:
                continue
            query = dict(request.query_params)
            query["page"] = str(number)
            url = request.url.replace(query=urlencode(query))
            if self.state.link_host:
                url = url.replace(hostname=self.state.link_host)
            links.append(f'<{url}>; rel="{rel}"')
        return chunk, ({"link": ", ".join(links)} if links else {})

    async def packages(self, request: Request) -> Response:
        await self._enter(request)
        refused = self._github_auth(request)
        if refused is not None:
            return refused
        if request.path_params["org"] != ORG:
            return JSONResponse({"message": "Not Found", "status": "404"}, 404)
        if request.query_params.get("package_type") != "container":
            return JSONResponse({"message": "Invalid argument", "status": "400"}, 400)
        base = str(request.base_url)
        items = [_package_json(base, p, i) for i, p in enumerate(self.state.packages.values())]
        chunk, headers = self._page(request, items)
        return JSONResponse(chunk, headers=headers)

    async def versions(self, request: Request) -> Response:
        await self._enter(request)
        refused = self._github_auth(request)
        if refused is not None:
            return refused
        name = request.path_params["name"]
        package = self.state.packages.get(name)
        if package is None or name in self.state.vanished or request.path_params["org"] != ORG:
            return JSONResponse({"message": "Package not found.", "status": "404"}, 404)
        base = str(request.base_url)
        # Newest first, as GitHub lists them.
        items = [_version_json(base, package, v, i) for i, v in enumerate(package.versions)][::-1]
        chunk, headers = self._page(request, items)
        return JSONResponse(chunk, headers=headers)

    # -- OCI registry --------------------------------------------------------------------
    def _challenge(self, request: Request, repository: str) -> dict[str, str]:
        realm = f"{str(request.base_url).rstrip('/')}{self.state.realm_path}"
        service = self.state.service or request.url.netloc
        return {
            "www-authenticate": f'Bearer realm="{realm}",service="{service}",'
            f'scope="repository:{repository}:pull"'
        }

    async def token(self, request: Request) -> Response:
        await self._enter(request)
        if "/" + request.path_params["realm"] != self.state.realm_path:
            return JSONResponse({"errors": [{"code": "NOT_FOUND"}]}, 404)
        scope = request.query_params.get("scope", "")
        service = request.query_params.get("service")
        if self.state.service is not None and service != self.state.service:
            return JSONResponse({"errors": [{"code": "DENIED", "message": "invalid service"}]}, 400)
        parts = scope.split(":")
        if len(parts) != 3 or parts[0] != "repository" or parts[2] != "pull":
            return JSONResponse({"errors": [{"code": "DENIED", "message": "bad scope"}]}, 400)
        token = "anon-" + uuid.uuid4().hex
        self.state.issued[token] = parts[1]
        return JSONResponse({"token": token})

    async def tags(self, request: Request) -> Response:
        await self._enter(request)
        repository = request.path_params["repository"]
        if self.state.registry_rate_limited:
            return JSONResponse(
                {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]},
                429,
                headers={"retry-after": "60"},
            )
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or self.state.issued.get(token) != repository:
            body = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            return JSONResponse(body, 401, headers=self._challenge(request, repository))
        org, _, name = repository.partition("/")
        package = self.state.packages.get(name) if org == ORG else None
        if package is None:
            body = {
                "errors": [
                    {"code": "NAME_UNKNOWN", "message": "repository name not known to registry"}
                ]
            }
            return JSONResponse(body, 404)
        if name in self.state.private:
            return JSONResponse({"errors": [{"code": "DENIED", "message": "denied"}]}, 403)
        tags = package.registry_tags
        n = min(int(request.query_params.get("n", "100")), self.state.registry_max_n)
        last = request.query_params.get("last")
        if last is not None:
            tags = [tag for tag in tags if tag > last]
        chunk = tags[:n]
        headers = {}
        if len(tags) > n:
            query = urlencode({"n": n, "last": chunk[-1]})
            headers["link"] = f'</v2/{repository}/tags/list?{query}>; rel="next"'
        return JSONResponse({"name": repository, "tags": chunk}, headers=headers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeServer:
    """Runs `FakeGhcr` under uvicorn in a thread; `stop()` takes it off the network."""

    def __init__(self, state: FakeState, port: int = 0) -> None:
        self.state = state
        self.port = port or free_port()
        config = uvicorn.Config(
            FakeGhcr(state).app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="fake-ghcr", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the fake GitHub/ghcr server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
