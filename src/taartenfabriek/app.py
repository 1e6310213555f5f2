"""`create_app(settings)`: the only place that assembles the server's parts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from . import __version__, web
from .api import errors as api_errors
from .api import system, tasks, vms, ws
from .api.reads import PreparedReads
from .backends.local import LocalBackend
from .catalog import Catalog, GitHubTokenStore
from .inventory import Inventory
from .operations import Operations
from .security import RequestGuard, TokenStore, ensure_private_dir
from .services import Services
from .settings import Settings
from .tart.runner import TartRunner
from .tasks.engine import TaskEngine
from .tasks.store import MemoryTaskStore, TaskStore

log = logging.getLogger(__name__)

GZIP_MINIMUM = 1024
"""Bytes below which a response is sent as is (gzip would save less than it costs)."""


def build_services(settings: Settings) -> Services:
    ensure_private_dir(settings.home)
    tokens = TokenStore(settings.token_file)
    tokens.load()
    env = dict(os.environ)
    if settings.tart_home is not None:
        env["TART_HOME"] = str(settings.tart_home)
    runner = TartRunner(settings.tart_path, env)
    backend = LocalBackend(
        runner,
        logs_dir=settings.logs_dir,
        timeout=settings.tart_timeout,
        long_timeout=settings.tart_long_timeout,
        ip_timeout=settings.start_ip_timeout,
    )
    store: TaskStore = MemoryTaskStore()
    engine = TaskEngine(store)
    inventory = Inventory(backend, refresh_interval=settings.refresh_interval)
    github_tokens = GitHubTokenStore(settings.github_token_file, settings.github_token)
    return Services(
        settings=settings,
        tokens=tokens,
        backend=backend,
        engine=engine,
        inventory=inventory,
        operations=Operations(backend, engine, inventory),
        github_tokens=github_tokens,
        catalog=Catalog(
            github_tokens,
            github_api_url=settings.github_api_url,
            registry_url=settings.registry_url,
            cache_path=settings.home / "catalog.json",
            ttl=settings.catalog_ttl,
        ),
    )


def create_app(settings: Settings) -> FastAPI:
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.inventory.start()
        try:
            yield
        finally:
            await services.catalog.close()
            await services.engine.close()
            await services.inventory.close()
            await services.backend.close()
            if settings.demo:
                # Here, not after uvicorn.run: uvicorn re-raises SIGTERM/SIGINT once the
                # lifespan has ended, so code after it never runs on a signal.
                from . import demo

                await asyncio.to_thread(demo.stop_all, settings.home)

    app = FastAPI(
        title="de taartenfabriek",
        version=__version__,
        description="Local API for managing Tart virtual machines. Every `/api/` route needs "
        "the `X-Local-Token` header; WebSockets take `?token=`.",
        lifespan=lifespan,
    )
    app.state.services = services
    api_errors.install(app)
    for router in (system.router, vms.router, tasks.router, ws.router):
        app.include_router(router)
    web.mount(app)
    # Outermost last: the guard, then the prepared hot reads, then gzip for everything else.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM)
    app.add_middleware(PreparedReads)
    app.add_middleware(RequestGuard, allowed_hosts=settings.allowed_hosts)
    return app
