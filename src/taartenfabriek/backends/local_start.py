"""The local backend's start: spawn `tart run` detached, then wait until this run's guest has
its IP (or `tart run` ended, or the wait ran out). A mixin of `LocalBackend`, kept apart so
the backend stays readable; it adds no state of its own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..care.limits import explain_limit
from ..care.runlogs import RunLogs
from ..core.errors import TaartError, TartFailed
from ..core.logs import redact
from ..tart import argv, vmdir
from ..tart.leases import BootWatch
from ..tart.parse import clean_line, config_fields, vnc_url
from .base import StartOptions, TaskContext
from .local_lifecycle import end_own_run, explain_run_exit, start_flags

if TYPE_CHECKING:
    from ..tart.runner import TartRunner

_USERINFO_RE = re.compile(r"^vnc://[^@/]*@")


class LocalStart:
    runner: TartRunner
    runlogs: RunLogs
    ip_timeout: float
    tart_home: Path | None
    leases_path: Path | None
    resolver_for: Callable[[str], str | None]
    _watchers: set[asyncio.Task[None]]

    if TYPE_CHECKING:

        async def ip(self, name: str, wait: int = 0) -> str | None: ...

        def peek(self, name: str) -> vmdir.OnDisk | None: ...

        async def get_config(self, name: str) -> dict[str, Any]: ...

    async def _running(self, name: str) -> bool:
        """Whether `tart run` holds the VM's lock yet (it takes it only once the VM is built,
        Tart `Sources/tart/Commands/Run.swift:451`): from TART_HOME when the backend can read
        it, else from `tart get` (one call, once an IP turned up); unknown counts as yes."""
        seen = self.peek(name)
        if seen is not None:
            return seen.state == "running"
        try:
            return _state_of(await self.get_config(name)) == "running"
        except TaartError:
            return True

    def _watch(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        """Record in the run's sidecar when and how `tart run` ended (while we are up)."""

        async def wait() -> None:
            code = await process.wait()
            self.runlogs.record_exit(log_path, code)

        watcher = asyncio.create_task(wait())
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def start(self, name: str, ctx: TaskContext, options: StartOptions) -> dict[str, Any]:
        args = argv.run(name, start_flags(options))
        log_path = self.runlogs.new_run(name, self.runner.argv(args), dataclasses.asdict(options))
        ctx.set_command(self.runner.argv(args))
        ctx.log("$ " + " ".join(self.runner.argv(args)))
        started_at = time.time()
        state = self.tart_home / "vms" / name / "state.vzvmsave" if self.tart_home else None
        watch = BootWatch(
            self.leases_path,
            self.tart_home,
            name,
            resuming=state is not None and state.exists(),
            dhcp=options.network != "bridged" and self.resolver_for(name) in (None, "dhcp"),
        )
        process = await self.runner.spawn_detached(args, log_path)
        self.runlogs.record_pid(log_path, process.pid)
        self._watch(process, log_path)
        ctx.log(f"tart run started (pid {process.pid}); waiting for the guest's IP address")
        try:
            booted = await self._await_boot(name, ctx, process, log_path, watch)
            return {**booted, "pid": process.pid, "started_at": started_at}
        except asyncio.CancelledError:
            if not ctx.cancel_requested:
                raise  # the server is shutting down: the VM keeps running
            ctx.log(f"cancelled: ending the tart run this start spawned (pid {process.pid})")
            await asyncio.shield(end_own_run(process, ctx))
            raise

    async def _await_boot(
        self,
        name: str,
        ctx: TaskContext,
        process: asyncio.subprocess.Process,
        log_path: Path,
        watch: BootWatch,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + self.ip_timeout
        stale: str | None = None
        while True:
            if ctx.cancel_requested:  # Python 3.11's wait_for can swallow a cancel that meets
                raise asyncio.CancelledError  # the end of `tart ip` (fixed in 3.12)
            if process.returncode is not None:
                output = redact(_read_tail(log_path))  # it may hold the VNC password
                lines = [clean_line(line) for line in output.splitlines() if line.strip()]
                for line in lines[-20:]:
                    ctx.log(line)
                reason = lines[-1] if lines else f"exit code {process.returncode}"
                reason = reason.removeprefix("Error: ")
                explained = explain_limit(reason) or explain_run_exit(reason)
                if explained is not None:
                    ctx.log(explained)
                raise TartFailed(
                    explained or f"tart run exited before the VM booted: {reason}",
                    argv=self.runner.argv(argv.run(name)),
                    exit_code=process.returncode,
                    stderr=output[-4000:],
                )
            ip = await self.ip(name)
            if ip is not None and not watch.fresh(ip):
                if stale != ip:  # a lease of an earlier run: the guest is not up yet
                    ctx.log(f"{ip} is the lease of an earlier run; waiting for the guest's own")
                stale, ip = ip, None
            if ip is not None and not await self._running(name):
                ip = None  # an earlier run's lease, before this `tart run` took the VM's lock
            if ip is not None and process.returncode is None:
                url = _find_vnc_url(log_path) or f"vnc://{ip}"
                ctx.log(f"IP address: {ip}")
                return {"message": f"VM {name} is running", "ip_address": ip, "vnc_url": url}
            if time.monotonic() >= deadline:
                ctx.log(f"no IP address after {self.ip_timeout:g} s; the VM keeps running")
                return {
                    "message": f"VM {name} is running but has no IP address yet",
                    "ip_address": None,
                    "vnc_url": _find_vnc_url(log_path),
                }
            await asyncio.sleep(0.5)


def _state_of(config: dict[str, Any]) -> str:
    return str(config_fields(config)["state"])


def _read_tail(path: Path, limit: int = 65536) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _find_vnc_url(path: Path) -> str | None:
    """The run's VNC URL without its password (`vnc://:<pw>@127.0.0.1:<port>` of
    `--vnc-experimental` -> `vnc://127.0.0.1:<port>`): task results are not secret; the
    password goes to the UI only through GET /api/vms/{name}/console."""
    for line in reversed(_read_tail(path).splitlines()):
        url = vnc_url(line)
        if url is not None:
            return _USERINFO_RE.sub("vnc://", url)
    return None
