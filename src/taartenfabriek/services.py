"""The running server's parts, assembled once by `app.create_app` and reached by the routers."""

from __future__ import annotations

from dataclasses import dataclass

from .backends.base import Backend
from .care.ipdiag import IPDoctor, ResolverStore
from .care.runlogs import RunLogs
from .care.storage import StorageService
from .catalog import Catalog, GitHubTokenStore
from .console import ConsoleService
from .core.settings import Settings
from .inventory.service import Inventory
from .operations.operations import Operations
from .security import TokenStore
from .tasks.engine import TaskEngine


@dataclass
class Services:
    settings: Settings
    tokens: TokenStore
    backend: Backend
    engine: TaskEngine
    inventory: Inventory
    operations: Operations
    github_tokens: GitHubTokenStore
    catalog: Catalog
    storage: StorageService
    runlogs: RunLogs
    ip_resolvers: ResolverStore
    ip_doctor: IPDoctor
    console: ConsoleService
    tart_version: str | None = None
