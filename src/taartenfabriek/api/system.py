"""Health, Tart version and settings routes."""

from __future__ import annotations

from fastapi import APIRouter

from .. import __version__
from ..backends.local_lifecycle import tart_and_host
from ..catalog import mask_token
from ..core.models import GitHubTokenStatus, GitHubTokenUpdate, Health, HostInfo, TartVersion
from ..tart.features import MINIMUM, minimum_refusal, release_text
from ..tart.host import allowances
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api", dependencies=[Authenticated])


@router.get("/health", response_model=Health, tags=["system"])
async def health(services: ServicesDep) -> Health:
    """Server status and version, and whether the inventory is current."""
    inventory = services.inventory
    release, host = await tart_and_host(services.backend, wait=1.0)
    limits = allowances(release, host) if services.backend.kind == "local" else {}
    return Health(
        version=__version__,
        backend=services.backend.kind,
        tart_available=None if services.tart_version is None and release is None else True,
        inventory_stale=inventory.stale,
        inventory_age=inventory.age,
        demo=services.settings.demo,
        tart_version=release.raw if release is not None else None,
        tart_minimum=release_text(MINIMUM) if services.backend.kind == "local" else None,
        tart_supported=None if release is None else minimum_refusal(release) is None,
        host=None
        if host is None
        else HostInfo(is_mac=host.is_mac, apple_silicon=host.apple_silicon, macos=host.macos_text),
        allows={key: reason is None for key, reason in limits.items()},
        refusals={key: reason for key, reason in limits.items() if reason is not None},
    )


@router.get(
    "/tart/version",
    response_model=TartVersion,
    response_model_exclude_none=True,
    tags=["system"],
)
async def tart_version(services: ServicesDep) -> TartVersion:
    """The installed Tart version (`tart --version`), read once and remembered; with the
    Orchard backend, the controller's version, marked `"backend": "orchard"` (the local
    answer stays the seed's `{"version": ...}`)."""
    if services.tart_version is None:
        services.tart_version = await services.backend.version()
    kind = services.backend.kind
    return TartVersion(version=services.tart_version, backend=None if kind == "local" else kind)


def _status(services: ServicesDep) -> GitHubTokenStatus:
    token = services.github_tokens.get()
    return GitHubTokenStatus(
        configured=bool(token),
        masked_token=mask_token(token) if token else None,
        source=services.github_tokens.source,
    )


@router.get("/settings/github-token", response_model=GitHubTokenStatus, tags=["settings"])
async def get_github_token(services: ServicesDep) -> GitHubTokenStatus:
    """Whether a GitHub token is configured; never the token itself."""
    return _status(services)


@router.post("/settings/github-token", response_model=GitHubTokenStatus, tags=["settings"])
async def set_github_token(body: GitHubTokenUpdate, services: ServicesDep) -> GitHubTokenStatus:
    """Set the GitHub token, or clear it with an empty string."""
    services.github_tokens.set(body.token)
    return _status(services)
