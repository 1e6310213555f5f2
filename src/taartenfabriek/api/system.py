"""Health, Tart version and settings routes."""

from __future__ import annotations

from fastapi import APIRouter

from .. import __version__
from ..catalog import mask_token
from ..core.health import (
    GitHubTokenStatus,
    GitHubTokenUpdate,
    Health,
    OrchardController,
    TartVersion,
)
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api", dependencies=[Authenticated])


@router.get("/health", response_model=Health, tags=["system"])
async def health(services: ServicesDep) -> Health:
    """Server status and version, and whether the inventory is current."""
    inventory = services.inventory
    watch, watch_reason = services.backend.watch_status()
    capabilities = await services.backend.capabilities(wait=1.0)
    limits = capabilities.refusals if capabilities is not None else {}
    controller = getattr(services.backend, "controller", None)  # the Orchard backend's
    orchard = None
    if controller is not None:
        facts = await controller(wait=1.0)  # as for tart above: health never hangs
        orchard = OrchardController(**facts.as_dict())
    return Health(
        version=__version__,
        backend=services.backend.kind,
        tart_available=None
        if services.tart_version is None and (capabilities is None or capabilities.version is None)
        else True,
        inventory_stale=inventory.stale,
        inventory_age=inventory.age,
        inventory_watch=watch,
        inventory_watch_reason=watch_reason,
        demo=services.settings.demo,
        tart_version=capabilities.version if capabilities is not None else None,
        tart_minimum=capabilities.minimum if capabilities is not None else None,
        tart_supported=capabilities.supported if capabilities is not None else None,
        host=capabilities.host if capabilities is not None else None,
        allows={key: reason is None for key, reason in limits.items()},
        refusals={key: reason for key, reason in limits.items() if reason is not None},
        orchard=orchard,
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
