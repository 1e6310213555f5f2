"""LocalBackend: the `tart` CLI on this Mac (tart.argv + tart.runner + tart.parse)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from ..care.accessdates import kept_access_date
from ..care.runlogs import RUN_LOGS_KEPT, RunLogs
from ..core.errors import TartFailed, TartTimeout, Unsupported
from ..core.models import VM, Worker
from ..core.names import parse_remote
from ..tart import argv, leases, vmdir
from ..tart.host import Host, detect
from ..tart.ocicache import linked_digest, paired_digests
from ..tart.parse import (
    ListEntry,
    config_fields,
    get_object,
    ip_address,
    list_entries,
    progress,
)
from ..tart.runner import RunResult, TartRunner, describe_failure
from .base import TaskContext
from .local_lifecycle import LocalLifecycle, tart_and_host
from .local_start import LocalStart

__all__ = ["RUN_LOGS_KEPT", "LocalBackend", "fold_entries", "tart_and_host"]

T = TypeVar("T")


NO_WORKERS = (
    "workers exist only with the Orchard backend: this server drives tart on this Mac "
    "(start it with `taartenfabriek serve --backend orchard` to manage a fleet)"
)


class LocalBackend(LocalStart, LocalLifecycle):
    kind = "local"
    list_has_config = False

    def __init__(
        self,
        runner: TartRunner,
        *,
        logs_dir: Path,
        timeout: float = 60,
        long_timeout: float = 6 * 3600,
        ip_timeout: float = 90,
    ) -> None:
        self.runner = runner
        self.logs_dir = logs_dir
        self.timeout = timeout
        self.long_timeout = long_timeout
        self.ip_timeout = ip_timeout
        self._digests: dict[str, str | None] = {}
        self._last_running: list[str] = []
        self._dropped: set[asyncio.Future[str | None]] = set()
        self.runlogs = RunLogs(logs_dir / "runs")
        self.resolver_for: Callable[[str], str | None] = lambda name: None
        """The `tart ip --resolver` to use for a VM (None: Tart's default, dhcp)."""
        self.ip_errors: dict[str, str] = {}
        """Why the last `tart ip` of a VM found nothing (its stderr), for the IP doctor."""
        self._watchers: set[asyncio.Task[None]] = set()
        self.tart_home: Path | None = None
        """TART_HOME, when known: lets `get_config` keep the VM's access date."""
        self.leases_path: Path | None = leases.DEFAULT_PATH
        self.disk_agrees = False
        """Whether TART_HOME's lock files have shown the running VMs `tart list` reported
        (see `peek`)."""
        self.host: Host = detect()

    # --- reads ---------------------------------------------------------------------------

    async def _check(self, args: list[str], timeout: float | None = None) -> RunResult:
        return await self.runner.run(args, timeout=timeout or self.timeout, check=True)

    async def version(self) -> str:
        return (await self.runner.release()).raw

    async def get_config(self, name: str) -> dict[str, Any]:
        with kept_access_date(self.tart_home, name):  # reading is not using (prune by age)
            result = await self._check(argv.get(name))
        config = _parsed(result, get_object)
        if config_fields(config)["state"] == "running":
            self._compare_with_disk([name])
        return config

    async def ip(self, name: str, wait: int = 0) -> str | None:
        args = argv.ip(name, wait=wait, resolver=self.resolver_for(name))
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

    async def _digest_of(self, tag_name: str) -> str | None:
        """Which `sha256:` a cached tag points to (`tart fqn`, when the tag's link in the OCI
        cache could not be read), remembered until it changes."""
        if tag_name not in self._digests:
            result = await self.runner.run(argv.fqn(tag_name), timeout=self.timeout)
            fqn = result.stdout.strip() if result.ok else ""
            self._digests[tag_name] = fqn.split("@", 1)[1] if "@" in fqn else None
        return self._digests[tag_name]

    def peek(self, name: str) -> vmdir.OnDisk | None:
        """The VM's state from TART_HOME's files and locks (microseconds; a `tart get` costs
        a process), once they have been seen to agree with `tart list` here. Until then, or
        with a Tart stand-in that marks running VMs some other way, None: ask tart."""
        if self.tart_home is None or not self.disk_agrees:
            return None
        return vmdir.read(self.tart_home, name)

    def _compare_with_disk(self, running: list[str]) -> None:
        """Trust `peek` while every VM `tart list` says is running shows its lock holder in
        TART_HOME; stop trusting it when none does (a VM that stopped in between is a race,
        not a disagreement, so a mixed answer keeps the previous verdict)."""
        if self.tart_home is None or not running:
            return
        held = [
            path is not None and vmdir.lock_holder(path / "config.json") != 0
            for path in (vmdir.vm_path(self.tart_home, name) for name in running)
        ]
        if all(held):
            self.disk_agrees = True
        elif not any(held):
            self.disk_agrees = False

    def forget(self, name: str | None = None) -> None:
        """Drop remembered tag digests (after a pull or a delete changed the cache)."""
        if name is None:
            self._digests.clear()
        else:
            self._digests.pop(name, None)

    async def list_vms(self) -> list[VM]:
        # `tart ip` of the VMs running at the last refresh starts alongside `tart list`, so
        # a refresh costs about max(list, ip) rather than list + ip. Lookups of VMs that are
        # no longer running are dropped (`tart ip` of a stopped VM waits a second before it
        # fails); VMs that started since get theirs once the list is in.
        lookups = {name: asyncio.ensure_future(self.ip(name)) for name in self._last_running}
        try:
            entries = _parsed(await self._check(argv.list_vms()), list_entries)
        except BaseException:
            self._drop(lookups.values())
            raise
        running = [e.name for e in entries if e.source.lower() == "local" and e.state == "running"]
        self._last_running = running
        self._compare_with_disk(running)
        self._drop(task for name, task in lookups.items() if name not in running)
        for name in running:
            if name not in lookups:
                lookups[name] = asyncio.ensure_future(self.ip(name))
        tags = [e.name for e in entries if e.source.lower() == "oci" and "@" not in e.name]
        linked = {name: linked_digest(self.tart_home, name) for name in tags}
        asked = [name for name, digest in linked.items() if digest is None]
        ips, answers = await asyncio.gather(
            asyncio.gather(*(lookups[name] for name in running)),
            asyncio.gather(*(self._digest_of(name) for name in asked)),
        )
        linked.update(zip(asked, answers, strict=True))
        return fold_entries(
            entries, dict(zip(running, ips, strict=True)), paired_digests(entries, linked)
        )

    def _drop(self, lookups: Iterable[asyncio.Future[str | None]]) -> None:
        """Cancel `tart ip` lookups nobody needs; keep them referenced until they end."""
        for task in lookups:
            task.cancel()
            self._dropped.add(task)
            task.add_done_callback(self._dropped.discard)

    # --- operations ----------------------------------------------------------------------

    async def _stream(self, args: list[str], ctx: TaskContext, timeout: float) -> RunResult:
        """Run a long command with its output in the task's logs; raise if it fails."""
        ctx.set_command(self.runner.argv(args))
        ctx.log("$ " + " ".join(self.runner.argv(args)))

        def on_line(stream: str, line: str) -> None:
            percent = progress(line)
            if percent is not None:
                ctx.set_progress(percent)
            ctx.log(line)

        return await self.runner.run(
            args, timeout=timeout, check=True, on_line=on_line, on_spawn=ctx.add_pid
        )

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
    ) -> dict[str, Any]:
        await self._stream(argv.clone(source, name), ctx, self.long_timeout)
        try:
            # Tart can only grow a disk; a smaller size fails here and the VM is removed.
            await self._stream(
                argv.set_(
                    name,
                    cpu=cpu,
                    memory_mb=memory_gb * 1024,
                    disk_size_gb=disk_size_gb,
                    display_refit=vmdir.display_refit(self.tart_home, name),  # the source's
                ),
                ctx,
                self.timeout,
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

    async def workers(self) -> list[Worker]:
        raise Unsupported(NO_WORKERS)

    async def set_worker_paused(self, name: str, paused: bool) -> Worker:
        raise Unsupported(NO_WORKERS)

    async def close(self) -> None:
        for watcher in list(self._watchers):
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher


def fold_entries(
    entries: list[ListEntry], ips: dict[str, str | None], digests: dict[str, str | None]
) -> list[VM]:
    """Turn `tart list` rows into VMs: each pulled tag carries its digest, and the digest row
    it points to disappears; a digest row no tag points to keeps its own name."""
    pointed = {
        f"{name.rsplit(':', 1)[0]}@{digest}"
        for name, digest in digests.items()
        if digest is not None and ":" in name
    }
    vms: list[VM] = []
    for entry in entries:
        is_oci = entry.source.lower() == "oci"
        if is_oci and entry.name in pointed:
            continue
        state = entry.state if entry.state in {"running", "stopped", "suspended"} else "unknown"
        status = "running" if state == "running" else "unknown" if state == "unknown" else "stopped"
        digest = digests.get(entry.name) if is_oci else None
        if is_oci and "@" in entry.name:
            digest = entry.name.split("@", 1)[1]
        vms.append(
            VM(
                name=entry.name,
                status=status,
                state=state,
                ip_address=ips.get(entry.name) if status == "running" else None,
                source=entry.source,
                disk_size=entry.disk,
                size=entry.size,
                accessed=entry.accessed,
                digest=digest,
                kind="base_image" if is_oci else "working_vm",
            )
        )
    return vms


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
