"""TART_HOME: where it is, creating it like Tart's Config does, and the tmp garbage collector.

Imports `errors`, `locks`, `files` (lazily). Paths are plain strings: pathlib costs startup time.
"""

from __future__ import annotations

import os

from .errors import TartError
from .locks import FileLock

_home: str | None = None


def _create_components(path: str) -> None:
    """Create each missing component of `path` one by one, like Tart does for TART_HOME."""
    parts: list[str] = []
    head = path
    while head and not os.path.isdir(head):
        parts.append(head)
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    for component in reversed(parts):
        try:
            os.mkdir(component)
        except OSError as error:
            if os.path.isdir(component):
                continue
            raise TartError(
                f"TART_HOME is invalid: {path} does not exist, yet we can't create it: "
                f"{error.strerror}"
            ) from None


def tart_home() -> str:
    """The storage root; creates it plus `cache/` and `tmp/` on first use."""
    global _home
    if _home is None:
        configured = os.environ.get("TART_HOME", "")
        if configured:
            # Tart takes it as a file URL (Config.swift:11-12): no `~` expansion, and a
            # relative path is relative to the working directory
            path = os.path.abspath(configured)
        else:
            path = os.path.join(os.path.expanduser("~"), ".tart")
        _create_components(path)
        for sub in ("cache", "tmp"):
            try:
                os.makedirs(os.path.join(path, sub), exist_ok=True)
            except OSError as error:
                raise TartError(f"{error.strerror}: {os.path.join(path, sub)}") from None
        _home = path
    return _home


def path(*parts: str) -> str:
    return os.path.join(tart_home(), *parts)


def vms_dir() -> str:
    return path("vms")


def tmp_dir() -> str:
    return path("tmp")


def oci_dir() -> str:
    return path("cache", "OCIs")


def ipsw_dir() -> str:
    return path("cache", "IPSWs")


def collect_garbage() -> None:
    """Remove every `tmp/` entry nobody holds a flock on (Tart does this before most commands)."""
    tmp = tmp_dir()
    try:
        entries = os.listdir(tmp)
    except OSError as error:
        from .output import err

        err(f"Failed to perform garbage collection: {error.strerror}")
        return
    for entry in entries:
        target = os.path.join(tmp, entry)
        lock = FileLock(target)
        try:
            if not lock.try_lock():
                continue
            from .files import remove

            remove(target)
        except OSError as error:
            from .output import err

            err(f"Failed to perform garbage collection: {error.strerror}")
            return
        finally:
            lock.unlock()


def staging(name: str) -> tuple[str, FileLock]:
    """A fresh `tmp/<name>` directory, flocked so the garbage collector leaves it alone."""
    from .files import remove

    directory = os.path.join(tmp_dir(), name)
    remove(directory)
    os.makedirs(directory)
    lock = FileLock(directory)
    lock.lock()
    return directory, lock
