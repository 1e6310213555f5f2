"""`create_app(settings)`: the only place that assembles the server's parts."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from . import __version__, web
from .api import annotations as annotations_api
from .api import console as console_api
from .api import errors as api_errors
from .api import images as images_api
from .api import logs as logs_api
from .api import network, service, system, tasks, vm_actions, vms, workers, ws
from .api import storage as storage_api
from .api import throwaway as throwaway_api
from .api import usage as usage_api
from .api.parts import Parts
from .api.reads import PreparedReads
from .api.socket_tokens import SocketTokens
from .backends.base import Backend
from .backends.local import LocalBackend
from .care.imagesize import ImageSizes
from .care.ipdiag import IPDoctor, ResolverStore
from .care.runlogs import RunLogs
from .care.storage import StorageService
from .care.usage import UsageSampler
from .catalog import Catalog, GitHubTokenStore
from .console import (
    CREDENTIALS_FILE,
    DEFAULT_SHELL,
    ConsoleService,
    ConsoleSettings,
    CredentialStore,
)
from .core.errors import StorageError
from .core.hosts import is_loopback_address
from .core.logs import register_secret
from .core.models import VM, VMImage
from .core.secrets import secure_state
from .core.settings import Settings
from .inventory.service import Inventory
from .operations.actions import ActionsOracle
from .operations.annotations import Annotations
from .operations.checks import CareChecks
from .operations.context import OperationsContext
from .operations.creates import CreateActions
from .operations.deletes import DeleteActions
from .operations.edits import EditActions
from .operations.images import ImageOperations
from .operations.registries import Registries
from .operations.starts import StartActions
from .operations.stops import StopActions
from .operations.throwaway import ThrowawayRuns
from .operations.vmrecords import VMRecords
from .security import (
    BodySizeLimit,
    RequestGuard,
    SecurityHeaders,
    TokenStore,
)
from .services import Services
from .tart import spawn
from .tart.home import resolve_tart_home
from .tart.runner import TartRunner
from .tasks.engine import TaskEngine
from .tasks.signals import on_exit_signal
from .tasks.sqlite import SQLiteTaskStore

log = logging.getLogger(__name__)

GZIP_MINIMUM = 1024
"""Bytes below which a response is sent as is (gzip would save less than it costs)."""


def _demo_catalog(settings: Settings) -> Callable[[], Sequence[VMImage]] | None:
    """`--demo` lists what the simulator's registry serves: no real registry is asked."""
    if not settings.demo or settings.tart_home is None:
        return None
    from . import demo

    return functools.partial(demo.catalog_images, settings.tart_home)


def build_services(settings: Settings) -> Services:
    for secret in (settings.github_token, settings.orchard_token):
        register_secret(secret)
    tokens = TokenStore(settings.token_file)
    try:
        secrets = (
            settings.token_file,
            settings.github_token_file,
            settings.home / CREDENTIALS_FILE,
        )
        secure_state(settings.home, secrets)
        tokens.load()
    except OSError as exc:
        raise StorageError(
            f"cannot use the state folder {settings.home}: {exc.strerror or exc}"
        ) from exc
    env = dict(os.environ)
    tart_home = resolve_tart_home(settings.tart_home, os.environ)
    if settings.tart_home is not None or os.environ.get("TART_HOME"):
        env["TART_HOME"] = str(tart_home)  # the very path the server reads (point 8, #16)
    backend: Backend
    local: LocalBackend | None = None
    if settings.backend == "orchard":
        # Orchard's modules (httpx, PyYAML, a WebSocket client) only in Orchard mode: they
        # cost a local server ~40 ms of every start
        from .backends import orchard

        connection = orchard.resolve(
            url=settings.orchard_url,
            service_account=settings.orchard_service_account,
            token=settings.orchard_token,
            environ=os.environ,
        )
        log.info("Orchard controller: %s", connection.describe())
        backend = orchard.OrchardBackend(
            connection,
            timeout=settings.tart_timeout,
            long_timeout=settings.tart_long_timeout,
            ip_timeout=settings.start_ip_timeout,
            queue_wait=settings.orchard_queue_wait,
            offline_after=settings.orchard_worker_offline_timeout,
        )
        runlogs = RunLogs(settings.logs_dir / "runs")  # stays empty: workers run the VMs
        ip_errors: Callable[[str], str | None] = dict[str, str]().get
    else:
        runlogs = RunLogs(settings.logs_dir / "runs")
        local = backend = LocalBackend(
            TartRunner(settings.tart_path, env),
            runlogs=runlogs,
            timeout=settings.tart_timeout,
            long_timeout=settings.tart_long_timeout,
            ip_timeout=settings.start_ip_timeout,
        )
        ip_errors = local.ip_errors.get
    engine = TaskEngine(
        SQLiteTaskStore.open(settings.tasks_db),
        retention_count=settings.task_retention_count,
        retention_age=settings.task_retention_days * 86400 or None,
    )
    resolvers = ResolverStore(settings.home / "ip-resolvers.json")
    doctor = IPDoctor(resolvers, runlogs, ip_errors, grace=settings.ip_boot_grace)
    if local is not None:
        local.resolver_for = doctor.resolver_arg
        local.tart_home = tart_home
        local.lifecycle.leases_path = settings.dhcpd_leases  # the file a start's lease is in
    records = VMRecords(settings.home / "vms.json")
    inventory = Inventory(
        backend,
        refresh_interval=settings.refresh_interval,
        watch=settings.watch_files,
        # `tart ip` resolvers and run logs are this Mac's; Orchard VMs run on workers
        decorate=_decorations(records, doctor.decorate if local is not None else None),
    )
    github_tokens = GitHubTokenStore(settings.github_token_file, settings.github_token)
    storage = StorageService(
        tart_home=tart_home,
        backend=backend,
        inventory=inventory,
        engine=engine,
        sizes=ImageSizes(settings.registry_url, timeout=settings.registry_timeout),
        free_space_override_gb=settings.free_space_override,
        pull_space_check=settings.pull_space_check,
        auto_prune="TART_NO_AUTO_PRUNE" not in env,  # Prune.swift:108 checks only its presence
    )
    checks = CareChecks(
        inventory=inventory,
        engine=engine,
        storage=storage,
        doctor=doctor,
        # Apple's 2-macOS-VM limit is per Mac: Orchard counts it per worker (slots) and
        # queues a VM no worker has room for, so a fleet-wide count would refuse wrongly
        macos_vm_limit=settings.macos_vm_limit if local is not None else 0,
    )
    ctx = OperationsContext(backend, engine, inventory, runlogs, records, checks)
    stops, edits, deletes = StopActions(ctx), EditActions(ctx), DeleteActions(ctx)
    return Services(
        settings=settings,
        tokens=tokens,
        backend=backend,
        engine=engine,
        inventory=inventory,
        starts=StartActions(ctx),
        stops=stops,
        creates=CreateActions(ctx),
        edits=edits,
        deletes=deletes,
        throwaways=ThrowawayRuns(ctx, deletes),
        actions=ActionsOracle(ctx, stops, edits),
        registries=Registries(
            settings.home / "registries.json", local.images if local is not None else None
        ),
        images=ImageOperations(ctx, local.images if local is not None else None),
        annotations=Annotations(records, inventory),
        github_tokens=github_tokens,
        catalog=Catalog(
            github_tokens,
            github_api_url=settings.github_api_url,
            registry_url=settings.registry_url,
            cache_path=settings.home / "catalog.json",
            ttl=settings.catalog_ttl,
            local_source=_demo_catalog(settings),
        ),
        storage=storage,
        runlogs=runlogs,
        ip_resolvers=resolvers,
        ip_doctor=doctor,
        console=ConsoleService(
            backend=backend,
            inventory=inventory,
            runlogs=runlogs,
            credentials=CredentialStore(settings.home / CREDENTIALS_FILE),
            settings=ConsoleSettings(
                idle_timeout=settings.console_idle_timeout,
                check_interval=settings.console_check_interval,
                terminal_command=settings.terminal_command or DEFAULT_SHELL,
                spawn_exec=functools.partial(spawn.exec_on_pty, settings.tart_path),
            ),
            env=env,
        ),
        usage=UsageSampler(
            running=lambda: [v.name for v in inventory.vms if v.status == "running"],
            run_pids=runlogs.live_pids,
            tart_home=tart_home if local is not None else None,
            guest=local.tart.run_in_guest if local is not None else None,
        ),
    )


def _decorations(records: VMRecords, doctor: Callable[[VM], VM] | None) -> Callable[[VM], VM]:
    """What the inventory adds to each VM: the user's notes and labels (both backends), and
    the IP doctor's diagnosis (`tart ip` runs on this Mac only)."""
    if doctor is None:
        return records.decorate
    return lambda vm: doctor(records.decorate(vm))


def create_app(settings: Settings) -> FastAPI:
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.engine.recover()
        restore_signals = on_exit_signal(services.engine.begin_shutdown)
        services.inventory.start()
        services.throwaways.start()  # deletes the stopped throwaway copies it owes
        try:
            yield
        finally:
            restore_signals()
            await services.catalog.close()
            await services.engine.close()
            await services.throwaways.close()
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
        # Swagger UI and ReDoc load scripts from a CDN into our origin: not on this server.
        docs_url=None,
        redoc_url=None,
    )
    parts: Parts = services  # the routers' view: mypy checks that the assembly satisfies it
    app.state.services = parts
    api_errors.install(app)
    # Routers with fixed words after {vm_name} come before vms.router: its
    # GET /api/vms/{vm_name:path} would take them.
    routers = (
        system.router,
        service.router,
        storage_api.router,
        logs_api.router,
        network.router,
        console_api.router,
        vm_actions.reads,
        annotations_api.reads,
        vms.router,
        annotations_api.router,
        throwaway_api.router,
        vm_actions.router,
        images_api.router,
        images_api.registries,
        tasks.router,
        workers.router,
    )
    for router in routers:
        app.include_router(router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(ws.router)
    app.include_router(console_api.sockets)
    app.include_router(usage_api.router)
    web.mount(app)
    # Outermost last: headers on every answer (refusals too), then Host/Origin, then the
    # body cap, all before routing; inside them the prepared hot reads (api/reads.py), then
    # gzip for everything else.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM)
    app.add_middleware(PreparedReads)
    app.add_middleware(SocketTokens, tokens=services.tokens)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestGuard, allowed_hosts=_allowed_hosts(settings))
    app.add_middleware(SecurityHeaders)
    return app


def _allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """TARTVM_ALLOWED_HOSTS, plus the bound address when it is another loopback one (127.0.0.2)."""
    extra = (settings.host,) if is_loopback_address(settings.host) else ()
    return (*settings.allowed_hosts, *extra)
