"""The running server's parts, assembled once by `app.create_app`; the routers reach them as
`api.parts.Parts`, a Protocol this dataclass satisfies."""

from __future__ import annotations

from dataclasses import dataclass

from .backends.base import Backend
from .care.ipdiag import IPDoctor, ResolverStore
from .care.runlogs import RunLogs
from .care.storage import StorageService
from .care.usage import UsageSampler
from .catalog import Catalog, GitHubTokenStore
from .console import ConsoleService
from .core.settings import Settings
from .inventory.service import Inventory
from .operations.actions import ActionsOracle
from .operations.annotations import Annotations
from .operations.creates import CreateActions
from .operations.deletes import DeleteActions
from .operations.edits import EditActions
from .operations.images import ImageOperations
from .operations.registries import Registries
from .operations.starts import StartActions
from .operations.stops import StopActions
from .operations.throwaway import ThrowawayRuns
from .security import TokenStore
from .tasks.engine import TaskEngine


@dataclass
class Services:
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
    images: ImageOperations
    annotations: Annotations
    throwaways: ThrowawayRuns
    tart_version: str | None = None
