"""Images both ways on this Mac: `tart login`/`logout`, `push`, `export` and `import`.

Kept out of `LocalBackend` itself so that class stays about VMs' lives; it shares the backend's
runner and streaming so each command is logged and cancelled the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from ..core.errors import BackendUnavailable, InvalidInput, StorageError, TartFailed
from ..core.image_models import PushRequest
from ..tart import argv
from ..tart.runner import RunResult, TartRunner, describe_failure
from .base import TaskContext

Stream = Callable[[list[str], TaskContext, float], Awaitable[RunResult]]

_HTTP_CODE_RE = re.compile(r"UnexpectedHTTPStatusCode\(when: \"[^\"]*\", code: (\d+)")
_UNREACHABLE = (
    "NSURLErrorDomain",
    "Could not connect",
    "could not be found",
    "timed out",
    "offline",
    "Connection refused",
    "network connection was lost",
)

PROGRESS_INTERVAL = 1.0
"""Seconds between two size readings of an export or import in progress."""


def login_failure(host: str, result: RunResult) -> Exception:
    """`tart login` wraps every ping failure as `invalid credentials: <error>`
    (Sources/tart/Commands/Login.swift, `RuntimeError.InvalidCredentials`): tell a refusal of
    the credentials (422) from a registry that cannot be reached (502); never 401/403, which
    mean this server's own token."""
    text = describe_failure(result)
    raw = result.stderr.strip() or result.stdout.strip()
    code = _HTTP_CODE_RE.search(raw)
    if code is not None and code[1] in ("401", "403"):
        return InvalidInput(
            f"{host} refused the user name or password (HTTP {code[1]}): check them and log in "
            "again"
        )
    if "Keychain" in raw:
        return StorageError(
            f"the registry accepted the login, but Tart could not keep it in the Keychain "
            f"({text}); unlock the login keychain (`security unlock-keychain`) and log in again"
        )
    if code is not None:
        return BackendUnavailable(
            f"{host} answered the login check with HTTP {code[1]}: is it an OCI registry?"
        )
    if any(marker in raw for marker in _UNREACHABLE):
        return BackendUnavailable(
            f"{host} cannot be reached ({text}); check the host name and the network, or "
            "`insecure` for a registry on plain HTTP"
        )
    return InvalidInput(f"{host} did not accept the login: {text}")


def allocated_bytes(path: Path) -> int:
    """Bytes a file or folder really takes (sparse disks count what is written)."""
    try:
        if path.is_file():
            return path.stat().st_blocks * 512
        return sum(
            (Path(root) / name).stat().st_blocks * 512
            for root, _, names in os.walk(path)
            for name in names
        )
    except OSError:
        return 0


class LocalImages:
    """Registry login, push, and `.tvm` export and import, through the backend's runner."""

    def __init__(
        self,
        runner: TartRunner,
        stream: Stream,
        *,
        timeout: float,
        long_timeout: float,
        tart_home: Callable[[], Path | None],
    ) -> None:
        self.runner = runner
        self._stream = stream
        self.timeout = timeout
        self.long_timeout = long_timeout
        self._tart_home = tart_home

    async def login(self, host: str, username: str, password: str, *, insecure: bool) -> None:
        # The password travels on stdin only (`--password-stdin`); nothing of it is logged.
        result = await self.runner.run(
            argv.login(host, username, insecure=insecure),
            timeout=self.timeout,
            stdin=password.encode(),
        )
        if not result.ok:
            raise login_failure(host, result)

    async def logout(self, host: str) -> None:
        result = await self.runner.run(argv.logout(host), timeout=self.timeout)
        if not result.ok:
            raise TartFailed(
                describe_failure(result),
                argv=result.argv,
                exit_code=result.exit_code,
                stderr=result.stderr,
            )

    def tart_home(self) -> Path | None:
        return self._tart_home()

    async def push(
        self, name: str, remote_names: Sequence[str], request: PushRequest, ctx: TaskContext
    ) -> dict[str, Any]:
        args = argv.push(
            name,
            remote_names,
            insecure=request.insecure,
            concurrency=request.concurrency,
            chunk_size_mb=request.chunk_size or None,
            labels=[f"{key}={value}" for key, value in request.labels.items()],
            populate_cache=request.populate_cache,
        )
        await self._stream(args, ctx, self.long_timeout)
        ctx.set_progress(100)
        return {"message": f"pushed {name} to {', '.join(remote_names)}", "name": name}

    async def export(self, name: str, path: Path, ctx: TaskContext) -> dict[str, Any]:
        """Export to a hidden partial file beside `path`, renamed over it only on success:
        Tart truncates its destination before it writes (VMDirectory+Archive.swift), so a
        failed or cancelled export straight to `path` would destroy an older file there."""
        partial = path.with_name(f".{path.name}.partial")
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        watch = asyncio.create_task(self._report_size(ctx, lambda: partial, "written"))
        try:
            await self._stream(argv.export(name, str(partial)), ctx, self.long_timeout)
            os.replace(partial, path)
        finally:
            watch.cancel()
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        size = path.stat().st_size
        ctx.set_progress(100)
        ctx.log(f"exported {name} to {path} ({size / 1e9:.2f} GB)")
        return {"message": f"exported {name} to {path}", "name": name, "path": str(path)}

    async def import_(self, path: Path, name: str, ctx: TaskContext) -> dict[str, Any]:
        home = self._tart_home()
        watch = None
        if home is not None:
            before = set(_staging_dirs(home))
            watch = asyncio.create_task(
                self._report_size(ctx, lambda: _newest_staging(home, before), "extracted")
            )
        try:
            await self._stream(argv.import_(str(path), name), ctx, self.long_timeout)
        finally:
            if watch is not None:
                watch.cancel()
        ctx.set_progress(100)
        return {"message": f"imported {path} as {name}", "name": name}

    async def _report_size(
        self, ctx: TaskContext, where: Callable[[], Path | None], verb: str
    ) -> None:
        """Neither command prints progress (Export.swift, Import.swift print one line), so
        the task reports what has reached the disk so far, once a second."""
        last = -1
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL)
            target = where()
            size = allocated_bytes(target) if target is not None else 0
            if size != last and size > 0:
                ctx.log(f"{size / 1e9:.2f} GB {verb}")
                last = size


def _staging_dirs(home: Path) -> list[Path]:
    try:
        return [entry for entry in (home / "tmp").iterdir() if entry.is_dir()]
    except OSError:
        return []


def _newest_staging(home: Path, before: set[Path]) -> Path | None:
    """The folder `tart import` extracts into: new in TART_HOME/tmp since the import began
    (Import.swift: `VMDirectory.temporary()`)."""
    fresh = [entry for entry in _staging_dirs(home) if entry not in before]
    return max(fresh, key=lambda entry: entry.stat().st_mtime, default=None) if fresh else None
