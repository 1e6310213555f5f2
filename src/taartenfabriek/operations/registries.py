"""Registry logins made through this server: `tart login`/`logout`, and the list Tart lacks.

Tart keeps credentials in the login Keychain and has no command that lists them
(Sources/tart/Commands/Login.swift stores, Logout.swift removes; nothing reads them back), so
the server remembers which hosts it logged in to, and as whom, in `<home>/registries.json`.
Never a password: that goes to `tart login` on its stdin and is dropped.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Protocol

from ..core.errors import InvalidInput
from ..core.files import write_private
from ..core.image_models import Registry, RegistryList, RegistryLogin, check_host

log = logging.getLogger(__name__)


class RegistryLogins(Protocol):
    """What a backend offers for registry logins (the local one: `tart login`/`logout`)."""

    async def login(self, host: str, username: str, password: str, *, insecure: bool) -> None: ...

    async def logout(self, host: str) -> None: ...


class Registries:
    def __init__(self, path: Path | None, logins: RegistryLogins | None) -> None:
        """`path=None` keeps the list in memory; `logins=None`: the backend has none
        (Orchard), and every call is refused by the caller's `backend.check` first."""
        self.path = path
        self.logins = logins
        self._known: dict[str, Registry] = {}
        self._load()

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text())
            for entry in data.get("registries", []) if isinstance(data, dict) else []:
                registry = Registry.model_validate(entry)
                self._known[registry.host] = registry
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)

    def _save(self) -> None:
        if self.path is None:
            return
        entries = [registry.model_dump() for registry in self.list().registries]
        body = json.dumps({"version": 1, "registries": entries}, indent=2)
        write_private(self.path, body + "\n")

    def list(self) -> RegistryList:
        return RegistryList(registries=sorted(self._known.values(), key=lambda r: r.host))

    async def login(self, request: RegistryLogin) -> Registry:
        """Log in with `tart login`; a failed login forgets the host (its old login may be
        gone too: Tart validates before it stores, but the user asked because it failed)."""
        assert self.logins is not None
        try:
            await self.logins.login(
                request.host,
                request.username,
                request.password.get_secret_value(),
                insecure=request.insecure,
            )
        except BaseException:
            if self._known.pop(request.host, None) is not None:
                self._save()
            raise
        registry = Registry(
            host=request.host,
            username=request.username,
            insecure=request.insecure,
            logged_in_at=time.time(),
        )
        self._known[registry.host] = registry
        self._save()
        return registry

    async def logout(self, host: str) -> RegistryList:
        """`tart logout` (which succeeds even without a login) and forget the host."""
        assert self.logins is not None
        try:
            host = check_host(host)
        except ValueError as exc:
            raise InvalidInput(f"host: {exc}") from None
        await self.logins.logout(host)
        if self._known.pop(host, None) is not None:
            self._save()
        return self.list()
