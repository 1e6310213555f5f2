"""The local backend's share of a VM's life that outlasts one command: `tart run` (started
detached, its boot followed to an IP, its exit recorded), suspend, guest shutdown; and the
commands that change a VM: `tart set`, rename, create from scratch.

`LocalBackend` holds one `LocalLifecycle` and hands it the runner, the run recorder and the
reads it needs (`get_config`, `ip`, `peek`, TART_HOME, the resolver of a VM); `stream` runs a
command into a task's log for both. `leases_path` is the DHCP lease file a start reads to tell
this run's lease from an earlier one's (tart/leases.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from ..core import procs
from ..core.errors import Conflict, TartFailed, TartTimeout, Unsupported
from ..core.logs import redact
from ..tart import argv, features, leases, vmdir
from ..tart.leases import BootWatch
from ..tart.parse import clean_line, explain_limit, progress
from ..tart.runner import RunResult, TartRunner
from .base import RunHandle, RunRecorder, StartOptions, TaskContext
from .local_boot import boot_watch, end_own_run, explain_run_exit, lock_taken, state_of
from .local_runs import find_vnc_url, read_tail
from .serial import SerialPort, SerialPorts

SUSPEND_TIMEOUT = 600.0
"""Seconds `tart run` may take to write a suspended VM's memory to disk and exit."""

POLL = 0.25


SERIAL_PLACEHOLDER = "/dev/ttysNNN"
"""Where a previewed command shows the pty a start with a serial console makes."""


def start_flags(options: StartOptions, serial_path: str | None = None) -> list[str]:
    """The `tart run` flags of `options`; the defaults give the seed's `--vnc --no-graphics`.
    `serial_path`: the pty made for this run (a preview shows a placeholder)."""
    if options.serial and serial_path is None:
        serial_path = SERIAL_PLACEHOLDER
    flags = argv.run_flags(
        display=options.display,
        suspendable=options.suspendable,
        network=options.network,
        bridged_interfaces=options.bridged_interfaces,
        rosetta_tag=options.rosetta_tag,
        dirs=[
            argv.dir_spec(d.name, d.path, read_only=d.read_only, tag=d.tag) for d in options.dirs
        ],
        disks=[argv.disk_spec(d.path, read_only=d.read_only) for d in options.disks],
        serial_path=serial_path if options.serial else None,
    )
    return flags + list(options.extra_flags)


async def stream(
    runner: TartRunner, args: list[str], ctx: TaskContext, timeout: float
) -> RunResult:
    """Run a long command with its output in the task's logs; raise if it fails."""
    ctx.set_command(runner.argv(args))
    ctx.log("$ " + " ".join(runner.argv(args)))

    def on_line(stream: str, line: str) -> None:
        percent = progress(line)
        if percent is not None:
            ctx.set_progress(percent)
        ctx.log(line)

    return await runner.run(
        args, timeout=timeout, check=True, on_line=on_line, on_spawn=ctx.add_pid
    )


class LocalLifecycle:
    def __init__(
        self,
        runner: TartRunner,
        runlogs: RunRecorder,
        *,
        get_config: Callable[[str], Awaitable[dict[str, Any]]],
        ip: Callable[[str], Awaitable[str | None]],
        peek: Callable[[str], vmdir.OnDisk | None],
        tart_home: Callable[[], Path | None],
        resolver_for: Callable[[str], str | None],
        timeout: float,
        long_timeout: float,
        ip_timeout: float,
    ) -> None:
        self.runner = runner
        self.runlogs = runlogs
        self.get_config = get_config
        self.ip = ip
        self.peek = peek
        self.tart_home = tart_home
        self.resolver_for = resolver_for
        self.leases_path: Path | None = leases.DEFAULT_PATH
        self.timeout = timeout
        self.long_timeout = long_timeout
        self.ip_timeout = ip_timeout
        self._watchers: set[asyncio.Task[None]] = set()
        self.serial_ports = SerialPorts()
        """The serial consoles of the runs this server started (`StartOptions.serial`)."""

    async def _stream(self, args: list[str], ctx: TaskContext, timeout: float) -> RunResult:
        return await stream(self.runner, args, ctx, timeout)

    # --- tart run ---------------------------------------------------------------------------

    def _watch(
        self, process: asyncio.subprocess.Process, log_path: Path, port: SerialPort | None
    ) -> None:
        """Record in the run's sidecar when and how `tart run` ended (while we are up); its
        serial console (backends/serial.py) is read from now on and ends with it."""
        if port is not None:
            port.begin()

        async def wait() -> None:
            try:
                self.runlogs.record_exit(log_path, await process.wait())
            finally:
                if port is not None:
                    self.serial_ports.release(port)

        watcher = asyncio.create_task(wait())
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def start(self, name: str, ctx: TaskContext, options: StartOptions) -> dict[str, Any]:
        port = self.serial_ports.open(name) if options.serial else None
        args = argv.run(name, start_flags(options, port.path if port else None))
        log_path = self.runlogs.new_run(name, self.runner.argv(args), dataclasses.asdict(options))
        ctx.set_command(self.runner.argv(args))
        ctx.log("$ " + " ".join(self.runner.argv(args)))
        started_at = time.time()
        dhcp = options.network != "bridged" and self.resolver_for(name) in (None, "dhcp")
        watch = boot_watch(self.leases_path, self.tart_home(), name, dhcp=dhcp)
        with self.serial_ports.closed_on_error(port):
            process = await self.runner.spawn_detached(args, log_path)
        self.runlogs.record_pid(log_path, process.pid)
        self._watch(process, log_path, port)
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
                output = redact(read_tail(log_path))  # it may hold the VNC password
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
            if ip is not None and not await lock_taken(self.peek, self.get_config, name):
                ip = None  # an earlier run's lease, before this `tart run` took the VM's lock
            if ip is not None and process.returncode is None:
                url = find_vnc_url(log_path) or f"vnc://{ip}"
                ctx.log(f"IP address: {ip}")
                return {"message": f"VM {name} is running", "ip_address": ip, "vnc_url": url}
            if time.monotonic() >= deadline:
                ctx.log(f"no IP address after {self.ip_timeout:g} s; the VM keeps running")
                return {
                    "message": f"VM {name} is running but has no IP address yet",
                    "ip_address": None,
                    "vnc_url": find_vnc_url(log_path),
                }
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        """Stop recording exits: the runs themselves outlive the server."""
        for watcher in list(self._watchers):
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        self.serial_ports.close_all()

    # --- suspend ---------------------------------------------------------------------------

    async def _state(self, name: str) -> str:
        return state_of(await self.get_config(name))

    async def suspend(self, name: str, ctx: TaskContext) -> dict[str, Any]:
        """`tart suspend` only signals `tart run`; the snapshot is done when the run has exited
        and `tart get` says `suspended`. A run that exits without one lost the VM's state."""
        await self._stream(argv.suspend(name), ctx, self.timeout)
        ctx.log("tart run is saving the VM's memory to disk")
        deadline = time.monotonic() + SUSPEND_TIMEOUT
        while True:
            state = await self._state(name)
            if state == "suspended":
                ctx.log(f"VM {name} is suspended; start it to resume where it was")
                return {"message": f"VM {name} suspended", "state": "suspended"}
            if state == "stopped":
                reason = self._last_run_line(name, "Failed to suspend") or "no snapshot was saved"
                raise TartFailed(
                    f"VM {name} stopped without saving its state: {reason}",
                    argv=self.runner.argv(argv.suspend(name)),
                    exit_code=1,
                    stderr=reason,
                )
            if time.monotonic() >= deadline:
                raise TartTimeout(
                    f"VM {name} is still saving its state after {SUSPEND_TIMEOUT:g} s",
                    argv=self.runner.argv(argv.suspend(name)),
                    timeout=SUSPEND_TIMEOUT,
                )
            await asyncio.sleep(POLL * 2)

    def _last_run_line(self, name: str, marker: str) -> str | None:
        """The last line holding `marker` in the VM's newest `tart run` log."""
        logs = sorted(self.runlogs.folder(name).glob("*.log"))
        if not logs:
            return None
        try:
            text = logs[-1].read_bytes()[-65536:].decode("utf-8", "replace")
        except OSError:
            return None
        lines = [clean_line(line) for line in text.splitlines()]
        return next((line for line in reversed(lines) if marker in line), None)

    # --- graceful shutdown -----------------------------------------------------------------

    async def owns_run(self, name: str, run: RunHandle) -> bool:
        args = list(run.command[1:])
        if not args or args[-1] != name or "run" not in args:
            return False
        return procs.is_tart_run(run.pid, args, run.started_at)

    async def shutdown(
        self, name: str, ctx: TaskContext, run: RunHandle, *, timeout: float
    ) -> dict[str, Any]:
        """SIGUSR2 to the `tart run` this server started: Tart asks the guest OS to stop (like
        a power-button press) and exits when the guest has powered off."""
        # Before Tart 2.12.0 `tart run` has no SIGUSR2 handler (Run.swift:586 came with #842):
        # the signal's default action would kill it, and the VM with it. Never send it there.
        reason = features.refusal(await self.runner.release(), "shutdown")
        if reason is not None:
            raise Unsupported(f"{reason}; stop the VM instead")
        if not await self.owns_run(name, run):
            raise Conflict(
                f"the tart run process this server started for {name} (pid {run.pid}) is gone: "
                "only a force stop is possible"
            )
        args = list(run.command[1:])
        ctx.set_command(["kill", "-USR2", str(run.pid)])
        ctx.log(f"asking the guest OS to shut down (SIGUSR2 to tart run, pid {run.pid})")
        started = time.monotonic()
        # a run that ended between the check and the signal is what we wanted anyway
        with contextlib.suppress(ProcessLookupError):
            procs.request_guest_stop(run.pid)
        while procs.is_tart_run(run.pid, args, run.started_at):
            waited = time.monotonic() - started
            if waited >= timeout:
                raise TartTimeout(
                    f"the guest of {name} did not shut down within {timeout:g} s; it is still "
                    "running",
                    argv=["kill", "-USR2", str(run.pid)],
                    timeout=timeout,
                )
            await asyncio.sleep(POLL)
        seconds = round(time.monotonic() - started, 1)
        ctx.log(f"the guest shut down after {seconds:g} s")
        return {"message": f"VM {name} shut down", "method": "shutdown", "seconds": seconds}

    # --- configuration, rename, create from scratch -----------------------------------------

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
        args = argv.set_(
            name,
            cpu=cpu,
            memory_mb=memory_mb,
            display=display,
            disk_size_gb=disk_size_gb,
            random_mac=random_mac,
            display_refit=vmdir.display_refit(self.tart_home(), name),  # Set.swift:62 resets it
        )
        # a grown raw disk is a sparse truncate; an ASIF disk goes through diskutil (slower)
        await self._stream(args, ctx, self.long_timeout if disk_size_gb else self.timeout)
        changed: dict[str, Any] = {
            key: value
            for key, value in (
                ("cpu", cpu),
                ("memory_mb", memory_mb),
                ("display", display),
                ("disk_size", disk_size_gb),
            )
            if value is not None
        }
        if random_mac:
            changed["random_mac"] = True
        return {"message": f"VM {name} reconfigured", "changed": changed}

    async def rename(self, name: str, new_name: str, ctx: TaskContext) -> dict[str, Any]:
        await self._stream(argv.rename(name, new_name), ctx, self.timeout)
        return {"message": f"renamed {name} to {new_name}", "name": new_name}

    async def create_empty(
        self,
        name: str,
        ctx: TaskContext,
        *,
        os: Literal["linux", "macos"],
        disk_size_gb: int,
        ipsw: str | None = None,
    ) -> dict[str, Any]:
        if os == "linux":
            await self._stream(
                argv.create_linux(name, disk_size_gb=disk_size_gb), ctx, self.timeout
            )
            message = f"created an empty Linux VM {name}: attach an installer ISO and start it"
        else:
            source = ipsw or "latest"
            await self._install(argv.create_from_ipsw(name, source, disk_size_gb=disk_size_gb), ctx)
            message = f"installed macOS from {source} into {name}"
        ctx.set_progress(100)
        return {"message": message, "name": name, "os": os, "disk_size": f"{disk_size_gb}G"}

    async def _install(self, args: list[str], ctx: TaskContext) -> RunResult:
        """`create --from-ipsw` prints two runs of `N%` (download, then install): the task's
        progress runs 0-50 % for the first and 50-100 % for the second, or 0-100 % for the
        install alone when the IPSW was cached or local."""
        ctx.set_command(self.runner.argv(args))
        ctx.log("$ " + " ".join(self.runner.argv(args)))
        phase = {"fetching": False, "installing": False}

        def on_line(stream: str, line: str) -> None:
            ctx.log(line)
            if line.startswith("Fetching"):
                phase["fetching"] = True
            elif line.startswith("Installing"):
                phase["installing"] = True
            percent = progress(line)
            if percent is None:
                return
            if phase["installing"]:
                ctx.set_progress(50 + percent / 2 if phase["fetching"] else percent)
            elif phase["fetching"]:
                ctx.set_progress(percent / 2)

        return await self.runner.run(
            args, timeout=self.long_timeout, check=True, on_line=on_line, on_spawn=ctx.add_pid
        )
