"""The guest user each VM's Screen Sharing (`vnc` mode) logs in with, kept 0600.

Cirrus Labs' images all use `admin`/`admin`, so that is the answer until the user saves another
pair for a VM. One JSON file, `<home>/console-credentials.json`, written like every other
secret (atomic, 0600 from the first byte) and every saved password joins the log redaction.
Names are matched case-insensitively, like Tart's disk.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from ..core.logs import register_secret
from ..security import read_secret, write_secret

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "console-credentials.json"
"""In the state folder, next to the token."""
DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "admin"


class CredentialStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._vms: dict[str, dict[str, str]] = {}
        self._load()

    def _load(self) -> None:
        try:
            text = read_secret(self.path)
            data = json.loads(text) if text else {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return
        if not isinstance(data, dict):
            return
        for name, entry in data.items():
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("username"), str)
                and isinstance(entry.get("password"), str)
            ):
                self._vms[name.lower()] = {
                    "username": entry["username"],
                    "password": entry["password"],
                }
                register_secret(entry["password"])

    def _save(self) -> None:
        write_secret(self.path, json.dumps(self._vms, indent=2, sort_keys=True))

    def get(self, name: str) -> tuple[str, str, bool]:
        """(username, password, saved) for the VM; the image defaults when none are saved."""
        entry = self._vms.get(name.lower())
        if entry is None:
            return DEFAULT_USERNAME, DEFAULT_PASSWORD, False
        return entry["username"], entry["password"], True

    def set(self, name: str, username: str, password: str) -> None:
        register_secret(password)
        with self._lock:
            self._vms[name.lower()] = {"username": username, "password": password}
            self._save()

    def forget(self, name: str) -> bool:
        with self._lock:
            if self._vms.pop(name.lower(), None) is None:
                return False
            self._save()
            return True
