"""Secrets at rest: the state folder 0700, each secret file 0600 from its first byte, and
every secret read or written registered for redaction from logs.

Shared by the token store, the GitHub token and the console credentials; imports only core.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .logs import register_secret


def ensure_private_dir(path: Path) -> None:
    """Create `path` as 0700, or repair its mode if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)


def repair_secret_file(path: Path) -> None:
    """Make an existing secret file 0600 (a copy or an editor may have widened it)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode != 0o600:
        path.chmod(0o600)


def secure_state(home: Path, secret_files: Iterable[Path]) -> None:
    """At start: the state folder is 0700 and every secret file in it 0600."""
    ensure_private_dir(home)
    for path in secret_files:
        repair_secret_file(path)


def write_secret(path: Path, value: str) -> None:
    """Write a secret file atomically with mode 0600 from the first byte."""
    ensure_private_dir(path.parent)
    register_secret(value)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a leftover file
        os.write(fd, (value + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_secret(path: Path) -> str | None:
    """The secret in `path` (repairing the file's mode first), or None when there is none."""
    try:
        repair_secret_file(path)
        value = path.read_text().strip()
    except FileNotFoundError:
        return None
    register_secret(value)
    return value or None
