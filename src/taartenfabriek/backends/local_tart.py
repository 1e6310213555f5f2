"""Which Tart runs on this Mac, and what it and the Mac allow (tart/features.py, tart/host.py).

A part of the local backend: its `check` refuses what this Tart or macOS cannot do before any
task exists, and `capabilities` is what `/api/health`, the start options and the Mac-care
checks ask (through `Backend.capabilities`, so they never import the driver).
"""

from __future__ import annotations

import asyncio

from ..core.errors import TaartError, Unsupported
from ..core.health import HostInfo, TartCapabilities
from ..tart import argv, features
from ..tart.host import Host, allowances, detect
from ..tart.runner import TartRunner


class LocalTart:
    def __init__(self, runner: TartRunner, host: Host | None = None) -> None:
        self.runner = runner
        self.host = host or detect()
        self._release_task: asyncio.Task[features.TartRelease | None] | None = None

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

    async def capabilities(self, wait: float = 10.0) -> TartCapabilities:
        release = await self.release(wait)
        host = self.host
        return TartCapabilities(
            version=release.raw if release is not None else None,
            minimum=features.release_text(features.MINIMUM),
            supported=None if release is None else features.minimum_refusal(release) is None,
            host=HostInfo(
                is_mac=host.is_mac, apple_silicon=host.apple_silicon, macos=host.macos_text
            ),
            refusals=allowances(release, host),
        )

    async def check(self, action: str) -> None:
        """What this Mac's Tart or macOS cannot do: graceful shutdown before Tart 2.12.0
        (SIGUSR2 would kill the VM), suspend before macOS 14."""
        if action == "shutdown":
            reason = features.refusal(await self.release(), "shutdown")
            if reason is not None:
                raise Unsupported(f"{reason}; stop the VM instead")
        if action == "suspend":
            reason = self.host.refusal("suspend") or self.host.refusal("suspendable")
            if reason is not None:
                raise Unsupported(reason)

    async def run_in_guest(self, name: str, script: str, *, timeout: float = 10.0) -> str:
        """`tart exec <vm> /bin/sh -c <script>` through the Guest Agent (Tart 2.27.0, macOS 14:
        the runner's gate refuses older ones with the release to get); its stdout."""
        result = await self.runner.run(
            argv.exec_(name, ["/bin/sh", "-c", script], interactive=False),
            timeout=timeout,
            check=True,
        )
        return result.stdout
