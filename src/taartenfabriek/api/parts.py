"""What the routers reach: the running server's parts, as a Protocol.

The assembly (services.py's `Services`, built by app.py) satisfies it; the routers name only
this, so the API layer never imports the assembly above it.
"""

from __future__ import annotations

from typing import Protocol

from ..backends.base import Backend
from ..care.ipdiag import IPDoctor, ResolverStore
from ..care.runlogs import RunLogs
from ..care.storage import StorageService
from ..care.usage import UsageSampler
from ..catalog import Catalog, GitHubTokenStore
from ..console import ConsoleService
from ..core.settings import Settings
from ..inventory.service import Inventory
from ..operations.actions import ActionsOracle
from ..operations.annotations import Annotations
from ..operations.creates import CreateActions
from ..operations.deletes import DeleteActions
from ..operations.edits import EditActions
from ..operations.images import ImageOperations
from ..operations.registries import Registries
from ..operations.starts import StartActions
from ..operations.stops import StopActions
from ..operations.throwaway import ThrowawayRuns
from ..security import TokenStore
from ..tasks.engine import TaskEngine


class Parts(Protocol):
    settings: Settings
    tokens: TokenStore
    backend: Backend
    engine: TaskEngine
    inventory: Inventory
    starts: StartActions
    stops: StopActions
    creates: CreateActions
    edits: EditActions
    deletes: DeleteActions
    actions: ActionsOracle
    github_tokens: GitHubTokenStore
    catalog: Catalog
    storage: StorageService
    runlogs: RunLogs
    ip_resolvers: ResolverStore
    ip_doctor: IPDoctor
    console: ConsoleService
    usage: UsageSampler
    registries: Registries
    annotations: Annotations
    throwaways: ThrowawayRuns
    images: ImageOperations
    tart_version: str | None
