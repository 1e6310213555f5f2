"""One server per state folder: a lock file next to the task history, flocked for the life of
the store. A second server's crash recovery would otherwise fail the first one's running tasks.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..core.errors import StorageError


def take_lock(path: Path) -> int:
    """The lock file's descriptor, flocked for the life of the store; StorageError when
    another server holds it or the folder cannot be used."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot use the state folder {path.parent}: {_why(exc)}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise StorageError(
            f"another taartenfabriek server is already using the state folder {path.parent}; "
            "stop it first, or give this one another folder (--home / TARTVM_HOME)"
        ) from exc
    return fd


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
