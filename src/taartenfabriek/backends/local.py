"""LocalBackend: the `tart` CLI on this Mac (tart.argv + tart.runner + tart.parse)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar

from ..core.errors import Conflict, TartFailed, TartTimeout, Unsupported
from ..core.health import TartCapabilities
from ..core.models import VM, Worker
from ..core.names import parse_remote
from ..tart import argv, vmdir
from ..tart.accessdates import reading_keeps_access_date
from ..tart.host import Host
from ..tart.ocicache import linked_digest, paired_digests
from ..tart.parse import (
    config_fields,
    get_object,
    ip_address,
    list_entries,
)
from ..tart.runner import RunResult, TartRunner, describe_failure
from .base import RunHandle, RunRecorder, StartOptions, TaskContext
from .local_boot import mac_twin_refusal
from .local_files import LocalFiles, WatchMode
from .local_images import LocalImages
from .local_lifecycle import LocalLifecycle, start_flags, stream
from .local_list import fold_entries
from .local_tart import LocalTart
from .local_watch import Changed
from .serial import SerialPorts

__all__ = ["LocalBackend"]

T = TypeVar("T")


REFRESH_POOL = 3
"""`tart ip` processes a refresh runs at once (the inventory's filler adds at most
`inventory.CONFIG_FILL_CONCURRENCY` `tart get`: a handful in all, whatever the VM count)."""

NO_WORKERS = (
    "workers exist only with the Orchard backend: this server drives tart on this Mac "
    "(start it with `taartenfabriek serve --backend orchard` to manage a fleet)"
)


class LocalBackend:
    kind = "local"
    list_has_config = False

    def __init__(
        self,
        runner: TartRunner,
        *,
        runlogs: RunRecorder,
        timeout: float = 60,
        long_timeout: float = 6 * 3600,
        ip_timeout: float = 90,
        host: Host | None = None,
    ) -> None:
        self.runner = runner
        self.timeout = timeout
        self.long_timeout = long_timeout
        self.ip_timeout = ip_timeout
        self._digests: dict[str, str | None] = {}
        self._last_running: list[str] = []
        self._dropped: set[asyncio.Future[str | None]] = set()
        self._pool = asyncio.Semaphore(REFRESH_POOL)
        self.runlogs = runlogs
        self.resolver_for: Callable[[str], str | None] = lambda name: None
        """The `tart ip --resolver` to use for a VM (None: Tart's default, dhcp)."""
        self.ip_errors: dict[str, str] = {}
        """Why the last `tart ip` of a VM found nothing (its stderr), for the IP doctor."""
        self.files = LocalFiles()
        """TART_HOME's own reads (locks, folders, config.json) and when to trust them."""
        self.tart = LocalTart(runner, host)
        """Which Tart this is and what it and this Mac allow."""
        self.images = LocalImages(
            runner,
            self._stream,
            timeout=timeout,
            long_timeout=long_timeout,
            tart_home=lambda: self.tart_home,
        )
        """Registry login, push, export and import (backends/local_images.py)."""
        self.lifecycle = LocalLifecycle(
            runner,
            runlogs,
            get_config=self.get_config,
            ip=self.ip,
            peek=self.peek,
            tart_home=lambda: self.tart_home,
            resolver_for=lambda name: self.resolver_for(name),
            timeout=timeout,
            long_timeout=long_timeout,
            ip_timeout=ip_timeout,
        )

    @property
    def serial_ports(self) -> SerialPorts:
        """The serial consoles of the runs this server started (backends/serial.py)."""
        return self.lifecycle.serial_ports

    @property
    def tart_home(self) -> Path | None:
        """TART_HOME, when known: lets `get_config` keep the VM's access date, and the files
        be read (local_files.py)."""
        return self.files.tart_home

    @tart_home.setter
    def tart_home(self, value: Path | None) -> None:
        self.files.tart_home = value

    @property
    def host(self) -> Host:
        return self.tart.host

    # --- reads ---------------------------------------------------------------------------

    async def _check(self, args: list[str], timeout: float | None = None) -> RunResult:
        return await self.runner.run(args, timeout=timeout or self.timeout, check=True)

    async def version(self) -> str:
        return (await self.runner.release()).raw

    async def capabilities(self, wait: float = 10.0) -> TartCapabilities | None:
        return await self.tart.capabilities(wait)

    async def get_config(self, name: str) -> dict[str, Any]:
        async with reading_keeps_access_date(self.tart_home, name):  # not using (prune by age)
            result = await self._check(argv.get(name))
        config = _parsed(result, get_object)
        if config_fields(config)["state"] == "running":
            self.files.compare_with_disk([name])
        return config

    async def ip(self, name: str, wait: int = 0) -> str | None:
        try:
            args = argv.ip(name, wait=wait, resolver=self.resolver_for(name))
        except argv.UnsafeName as exc:  # `-x`, made outside the app: no IP, the list still works
            self.ip_errors[name] = exc.detail
            return None
        try:
            result = await self.runner.run(args, timeout=self.timeout + wait)
        except TartTimeout:
            self.ip_errors[name] = "tart ip did not answer in time"
            return None
        except Unsupported as exc:  # a resolver this Tart does not have (tart/features.py)
            self.ip_errors[name] = exc.detail
            return None
        address = ip_address(result.stdout) if result.ok else None
        if address is None:
            self.ip_errors[name] = result.stderr.strip() or f"exit code {result.exit_code}"
        else:
            self.ip_errors.pop(name, None)
        return address

    async def _listed_ip(self, name: str) -> str | None:
        """A refresh's `tart ip`: at most `REFRESH_POOL` at once, however many VMs run."""
        async with self._pool:
            return await self.ip(name)

    async def _digest_of(self, tag_name: str) -> str | None:
        """Which `sha256:` a cached tag points to (`tart fqn`, when the tag's link in the OCI
        cache could not be read), remembered until it changes."""
        if tag_name not in self._digests:
            result = await self.runner.run(argv.fqn(tag_name), timeout=self.timeout)
            fqn = result.stdout.strip() if result.ok else ""
            self._digests[tag_name] = fqn.split("@", 1)[1] if "@" in fqn else None
        return self._digests[tag_name]

    def config_fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        return config_fields(raw)

    def describe_prune(
        self, *, entries: str, older_than_days: int | None, space_budget_gb: int | None
    ) -> list[str]:
        return argv.shown(
            argv.prune(
                entries=entries, older_than_days=older_than_days, space_budget_gb=space_budget_gb
            )
        )

    def describe_start(self, name: str, options: StartOptions) -> list[str]:
        return argv.shown(argv.run(name, start_flags(options)))

    def peek(self, name: str) -> vmdir.OnDisk | None:
        return self.files.peek(name)

    def known_config(self, name: str) -> dict[str, Any] | None:
        return self.files.known_config(name)

    def watch(self, changed: Changed) -> None:
        self.files.watch(changed)

    def watch_status(self) -> tuple[WatchMode, str]:
        return self.files.watch_status()

    def forget(self, name: str | None = None) -> None:
        """Drop remembered tag digests (after a pull or a delete changed the cache)."""
        if name is None:
            self._digests.clear()
        else:
            self._digests.pop(name, None)

    async def list_vms(self) -> list[VM]:
        # `tart ip` of the VMs running at the last refresh starts alongside `tart list` (a
        # refresh costs max(list, ip), not list + ip); those no longer running are dropped
        # (`tart ip` of a stopped VM waits a second to fail), new ones asked after the list.
        lookups = {n: asyncio.ensure_future(self._listed_ip(n)) for n in self._last_running}
        try:
            async with self.files.listing():
                entries = _parsed(await self._check(argv.list_vms()), list_entries)
        except BaseException:
            self._drop(lookups.values())
            raise
        running = [e.name for e in entries if e.source.lower() == "local" and e.state == "running"]
        self._last_running = running
        self.files.compare_with_disk(running)
        self.files.compare_dirs([e.name for e in entries if e.source.lower() == "local"])
        self._drop(task for name, task in lookups.items() if name not in running)
        for name in running:
            if name not in lookups:
                lookups[name] = asyncio.ensure_future(self._listed_ip(name))
        tags = [e.name for e in entries if e.source.lower() == "oci" and "@" not in e.name]
        linked = {name: linked_digest(self.tart_home, name) for name in tags}
        asked = [name for name, digest in linked.items() if digest is None]
        ips, answers, details = await asyncio.gather(
            asyncio.gather(*(lookups[name] for name in running)),
            asyncio.gather(*(self._digest_of(name) for name in asked)),
            asyncio.to_thread(self.files.details_from_files, entries),  # no `tart get` a VM
        )
        linked.update(zip(asked, answers, strict=True))
        vms = fold_entries(
            entries, dict(zip(running, ips, strict=True)), paired_digests(entries, linked)
        )
        return self.files.with_details(vms, details)

    def _drop(self, lookups: Iterable[asyncio.Future[str | None]]) -> None:
        """Cancel `tart ip` lookups nobody needs; keep them referenced until they end."""
        for task in lookups:
            task.cancel()
            self._dropped.add(task)
            task.add_done_callback(self._dropped.discard)

    # --- operations ----------------------------------------------------------------------

    async def _stream(self, args: list[str], ctx: TaskContext, timeout: float) -> RunResult:
        return await stream(self.runner, args, ctx, timeout)

    async def start(self, name: str, ctx: TaskContext, options: StartOptions) -> dict[str, Any]:
        return await self.lifecycle.start(name, ctx, options)

    async def stop(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        args = argv.stop(name, timeout=30)
        ctx.set_command(self.runner.argv(args))
        ctx.log("$ " + " ".join(self.runner.argv(args)))
        result = await self.runner.run(args, timeout=30 + self.timeout, on_spawn=ctx.add_pid)
        if not result.ok and result.exit_code != 2:
            ctx.log(describe_failure(result))
            ctx.log("falling back to a plain tart stop")
            result = await self._stream(argv.stop(name, timeout=None), ctx, 30 + self.timeout)
        elif not result.ok:
            raise TartFailed(
                describe_failure(result),
                argv=result.argv,
                exit_code=result.exit_code,
                stderr=result.stderr,
            )
        return {"message": f"VM {name} stopped"}

    async def delete(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        await self._stream(argv.delete(name), ctx, self.timeout)
        self.forget(name)
        return {"message": f"VM {name} deleted"}

    async def pull(self, reference: str, ctx: TaskContext) -> dict[str, Any]:
        await self._stream(argv.pull(reference), ctx, self.long_timeout)
        ctx.set_progress(100)
        parsed = parse_remote(reference)
        canonical = str(parsed) if parsed else reference
        self.forget(canonical)
        return {"message": f"pulled {canonical}", "name": canonical}

    async def clone(self, source: str, new_name: str, ctx: TaskContext) -> dict[str, Any]:
        await self._stream(argv.clone(source, new_name), ctx, self.long_timeout)
        return {"message": f"cloned {source} to {new_name}", "name": new_name}

    async def create(
        self,
        name: str,
        source: str,
        ctx: TaskContext,
        *,
        cpu: int,
        memory_gb: int,
        disk_size_gb: int,
        os: Literal["linux", "macos"] | None = None,
    ) -> dict[str, Any]:
        await self._stream(argv.clone(source, name), ctx, self.long_timeout)
        try:
            await self.lifecycle.set_config(  # a smaller disk fails: Tart only grows one
                name, ctx, cpu=cpu, memory_mb=memory_gb * 1024, disk_size_gb=disk_size_gb
            )
        except BaseException:
            ctx.log(f"configuration failed: deleting the half-made VM {name}")
            with contextlib.suppress(Exception):
                await asyncio.shield(self.runner.run(argv.delete(name), timeout=self.timeout))
            raise
        return {
            "message": f"created {name} from {source}",
            "name": name,
            "cpu": cpu,
            "memory": f"{memory_gb}G",
            "disk_size": f"{disk_size_gb}G",
        }

    async def check(self, action: str, vm: VM | None) -> None:
        """This Tart's and Mac's limits (local_tart.py); a resume losing its saved state: 409."""
        await self.tart.check(action)
        refusal = mac_twin_refusal(self.tart_home, vm.name) if action == "start" and vm else None
        if refusal:
            raise Conflict(refusal)

    async def workers(self) -> list[Worker]:
        raise Unsupported(NO_WORKERS)

    async def set_worker_paused(self, name: str, paused: bool) -> Worker:
        raise Unsupported(NO_WORKERS)

    async def close(self) -> None:
        await self.files.close_watch()
        await self.lifecycle.close()

    # --- a VM's whole life: local_lifecycle.py ---------------------------------------------

    async def suspend(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        return await self.lifecycle.suspend(name, ctx)

    async def shutdown(
        self, name: str, ctx: TaskContext, run: RunHandle, *, timeout: float
    ) -> dict[str, Any]:
        return await self.lifecycle.shutdown(name, ctx, run, timeout=timeout)

    async def owns_run(self, name: str, run: RunHandle) -> bool:
        return await self.lifecycle.owns_run(name, run)

    async def set_config(
        self,
        name: str,
        ctx: TaskContext,
        *,
        cpu: int | None = None,
        memory_mb: int | None = None,
        display: str | None = None,
        disk_size_gb: int | None = None,
        random_mac: bool = False,
    ) -> dict[str, Any]:
        return await self.lifecycle.set_config(
            name,
            ctx,
            cpu=cpu,
            memory_mb=memory_mb,
            display=display,
            disk_size_gb=disk_size_gb,
            random_mac=random_mac,
        )

    async def rename(self, name: str, new_name: str, ctx: TaskContext) -> dict[str, Any]:
        return await self.lifecycle.rename(name, new_name, ctx)

    async def create_empty(
        self,
        name: str,
        ctx: TaskContext,
        *,
        os: Literal["linux", "macos"],
        disk_size_gb: int,
        ipsw: str | None = None,
    ) -> dict[str, Any]:
        return await self.lifecycle.create_empty(
            name, ctx, os=os, disk_size_gb=disk_size_gb, ipsw=ipsw
        )


def _parsed(result: RunResult, parser: Callable[[str], T]) -> T:
    """Parse tart's output; output that is not what tart prints is a failure of tart."""
    try:
        return parser(result.stdout)
    except ValueError as exc:
        raise TartFailed(
            f"tart {result.argv[1]} printed output that could not be read: {exc}",
            argv=result.argv,
            exit_code=result.exit_code,
            stderr=result.stderr,
        ) from exc
