"""What a controller can do, by its version (`GET /v1/controller/info`).

The info's `capabilities` list names RPC features only (internal/controller/
api_controller.go:19-26), so the REST features we rely on are dated by release instead:
the first tag of cirruslabs/orchard whose source has them.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

from ...core.errors import TaartError
from .client import OrchardClient

INFO_TIMEOUT = 5.0
"""`/api/health` asks the controller at most this long."""
INFO_RETRY = 30.0
"""Seconds before a controller that could not be asked is asked again."""
WATCH_SINCE = (0, 41, 0)
"""`GET /v1/vms/{n}?watch=true` (internal/controller/api_vms.go:284) first ships in 0.41.0."""
EVENTS_CURSOR_SINCE = (0, 47, 0)
"""Cursor paging of `/v1/vms/{n}/events` (X-Next-Cursor) first ships in 0.47.0."""
EXEC_SINCE = (0, 51, 0)
"""`/v1/vms/{n}/exec` (internal/controller/api_vms_exec.go) first ships in 0.51.0."""

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class ControllerFacts:
    version: str | None
    watch: bool | None
    """None: unknown (a development build says `unknown`, or the controller did not answer)."""
    exec: bool | None
    detail: str | None = None
    """Why nothing is known, when the controller could not be asked."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "watch": self.watch,
            "exec": self.exec,
            "detail": self.detail,
        }


def release(version: str | None) -> tuple[int, int, int] | None:
    match = _VERSION.match(version or "")
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def capabilities(info: dict[str, Any]) -> ControllerFacts:
    version = info.get("version")
    text = str(version) if isinstance(version, str) and version else None
    number = release(text)
    if number is None:
        return ControllerFacts(version=text, watch=None, exec=None)
    return ControllerFacts(version=text, watch=number >= WATCH_SINCE, exec=number >= EXEC_SINCE)


class ControllerInfo:
    """`/v1/controller/info`, read once. A health check waits at most `wait` for it (the
    question goes on in the background: the next check may have the answer), and a
    controller that could not be asked is asked again after INFO_RETRY seconds, not on
    every `/api/health`."""

    def __init__(self, client: OrchardClient) -> None:
        self.client = client
        self._facts: ControllerFacts | None = None
        self._asking: asyncio.Task[ControllerFacts] | None = None
        self._unread: tuple[float, ControllerFacts] | None = None

    async def read(self, timeout: float | None = None) -> ControllerFacts:
        """Ask the controller (again); its errors leave as they are."""
        self._facts = capabilities(await self.client.info(timeout=timeout))
        return self._facts

    async def _ask(self) -> ControllerFacts:
        try:
            return await self.read(INFO_TIMEOUT)
        except TaartError as exc:
            unknown = ControllerFacts(version=None, watch=None, exec=None, detail=exc.detail)
            self._unread = (time.monotonic(), unknown)
            return unknown

    async def get(self, wait: float = INFO_TIMEOUT) -> ControllerFacts:
        if self._facts is not None:
            return self._facts
        failed = self._unread
        if failed is not None and time.monotonic() - failed[0] < INFO_RETRY:
            return failed[1]
        if self._asking is None or self._asking.done():
            self._asking = asyncio.ensure_future(self._ask())
        done, _ = await asyncio.wait({self._asking}, timeout=wait)
        if not done:
            return ControllerFacts(
                version=None,
                watch=None,
                exec=None,
                detail="the Orchard controller has not answered /v1/controller/info yet",
            )
        return self._asking.result()
