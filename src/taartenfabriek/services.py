"""The running server's parts, assembled once by `app.create_app` and reached by the routers."""

from __future__ import annotations

from dataclasses import dataclass

from .backends.base import Backend
from .catalog import Catalog, GitHubTokenStore
from .console import ConsoleService
from .inventory import Inventory
from .ipdiag import IPDoctor, ResolverStore
from .operations import Operations
from .runlogs import RunLogs
from .security import TokenStore
from .settings import Settings
from .storage import StorageService
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
