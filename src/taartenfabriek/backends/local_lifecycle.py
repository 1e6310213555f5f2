"""The local backend's share of a VM's whole life: suspend, guest shutdown, `tart set`, rename,
create from scratch, and the `tart run` flags of the start options.

A mixin of `LocalBackend`, kept apart so the seed's recipes stay short; it uses the backend's
runner and `_stream` and adds no state of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..core import procs
from ..core.errors import Conflict, TaartError, TartFailed, TartTimeout, Unsupported
from ..core.models import VM
from ..tart import argv, features, vmdir
from ..tart.host import Host
from ..tart.parse import clean_line, config_fields, progress
from .base import Backend, RunHandle, StartOptions, TaskContext

if TYPE_CHECKING:
    from ..tart.runner import RunResult, TartRunner

SUSPEND_TIMEOUT = 600.0
"""Seconds `tart run` may take to write a suspended VM's memory to disk and exit."""

POLL = 0.25


def explain_run_exit(reason: str) -> str | None:
    """Why a `tart run` that ended before booting did, when its last line says more than it
    seems: `--vnc` (Screen Sharing) waits 60 s for the guest's IP and then ends the VM with
    `IPNotFound()` (Tart `Sources/tart/VNC/ScreenSharingVNC.swift:14-20`, printed and exit 1
    at `Commands/Run.swift:530-537`)."""
    if reason.strip() == "IPNotFound()":
        return (
            "tart run --vnc (Screen Sharing) found no IP address for the guest within 60 s and "
            "stopped the VM (IPNotFound): Screen Sharing needs the guest on the network with "
            "Remote Login on, which Linux guests and installers lack. Start it with display "
            "vnc-experimental (VNC on 127.0.0.1, works without a guest IP) or none instead"
        )
    return None


CANCEL_GRACE = 30.0
"""Seconds a cancelled start's `tart run` gets after SIGINT before SIGKILL (`tart stop`'s)."""


async def end_own_run(process: asyncio.subprocess.Process, ctx: TaskContext) -> None:
    """End the `tart run` a cancelled start spawned, and wait until it has exited.

    Not `tart stop`: Tart takes the VM's lock only once the VM is built (Tart
    `Sources/tart/Commands/Run.swift:451`), so in a start's first seconds `tart stop` finds
    nothing running (exit 2, `Stop.swift:22-23`) and the VM comes up anyway. SIGINT is what
    `tart stop` sends: before the lock it ends `tart run` by the signal's default action (the
    handler is installed at `Run.swift:541-546`), after it the VM stops.
    """
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), CANCEL_GRACE)
        except TimeoutError:
            ctx.log(f"tart run ignored SIGINT for {CANCEL_GRACE:g} s: killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    ctx.log(f"tart run ended (exit code {process.returncode})")


def mac_twin_refusal(tart_home: Path, name: str) -> str | None:
    """Why resuming `name` now would lose its saved state: another running VM has its MAC (a
    clone of a suspended VM keeps it), and `tart run` would then give it a new MAC and delete
    the snapshot (Tart `Sources/tart/Commands/Run.swift:375-384`, `VMDirectory.swift:135-143`)."""
    seen = vmdir.read(tart_home, name)
    if seen is None or seen.state != "suspended":
        return None
    twins = vmdir.running_twins(tart_home, name)
    if not twins:
        return None
    others = ", ".join(twins)
    return (
        f"resuming {name} now would lose its saved state: {others} is running with the same "
        f"MAC address, so Tart would give {name} a new one and delete the snapshot. Stop "
        f"{others} first to resume, or force stop {name} to discard the saved state and start "
        "it fresh"
    )


def start_flags(options: StartOptions) -> list[str]:
    """The `tart run` flags of `options`; the defaults give the seed's `--vnc --no-graphics`."""
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
    )
    return flags + list(options.extra_flags)


class LocalLifecycle:
    runner: TartRunner
    logs_dir: Path
    tart_home: Path | None
    timeout: float
    long_timeout: float
    host: Host

    _release_task: asyncio.Task[features.TartRelease | None] | None = None

    async def _read_release(self) -> features.TartRelease | None:
        try:
            return await self.runner.release()
        except TaartError:
            return None

    async def release(self, wait: float = 10.0) -> features.TartRelease | None:
        """This Tart's version; None when `tart --version` cannot be run or read, or has not
        answered within `wait` seconds (a hanging tart must not hang a health check: the
        question keeps running and the next call may have the answer)."""
        task = self._release_task
        if task is None or (task.done() and task.result() is None):
            task = self._release_task = asyncio.ensure_future(self._read_release())
        done, _ = await asyncio.wait({task}, timeout=wait)
        return task.result() if done else None

    async def check(self, action: str, vm: VM | None) -> None:
        """What this Mac's Tart or macOS cannot do: graceful shutdown before Tart 2.12.0
        (SIGUSR2 would kill the VM), suspend before macOS 14; and a resume that would lose the
        VM's saved state (`mac_twin_refusal`)."""
        if action == "shutdown":
            reason = features.refusal(await self.release(), "shutdown")
            if reason is not None:
                raise Unsupported(f"{reason}; stop the VM instead")
        if action == "suspend":
            reason = self.host.refusal("suspend") or self.host.refusal("suspendable")
            if reason is not None:
                raise Unsupported(reason)
        if action == "start" and vm is not None and self.tart_home is not None:
            refusal = mac_twin_refusal(self.tart_home, vm.name)  # a resume that loses the state
            if refusal:
                raise Conflict(refusal)

    if TYPE_CHECKING:

        async def get_config(self, name: str) -> dict[str, Any]: ...

        async def _stream(self, args: list[str], ctx: TaskContext, timeout: float) -> RunResult: ...

    # --- suspend ---------------------------------------------------------------------------

    async def _state(self, name: str) -> str:
        state = config_fields(await self.get_config(name))["state"]
        return str(state)

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
        logs = sorted((self.logs_dir / "runs" / name).glob("*.log"))
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
            display_refit=vmdir.display_refit(self.tart_home, name),
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


async def tart_and_host(
    backend: Backend, wait: float = 10.0
) -> tuple[features.TartRelease | None, Host | None]:
    """This Mac's Tart version and host when the backend drives `tart` here; (None, None)
    for a backend that does not (its Macs are elsewhere)."""
    if not isinstance(backend, LocalLifecycle):
        return None, None
    return await backend.release(wait), backend.host
