"""The stored GitHub token: a 0600 file, never returned, shown masked."""

from __future__ import annotations

from pathlib import Path

from ..core.secrets import read_secret, write_secret


def mask_token(token: str) -> str:
    """First 4 and last 4 characters joined by `...`; `****` for 12 characters or fewer."""
    if len(token) <= 12:
        return "****"
    return f"{token[:4]}...{token[-4:]}"


class GitHubTokenStore:
    def __init__(self, path: Path, override: str | None = None) -> None:
        self.path = path
        self.override = override or None

    def get(self) -> str | None:
        return self.override or read_secret(self.path)

    @property
    def source(self) -> str | None:
        if self.override:
            return "environment"
        return "settings" if read_secret(self.path) else None

    def set(self, token: str) -> None:
        if token:
            write_secret(self.path, token)
        else:
            self.path.unlink(missing_ok=True)
