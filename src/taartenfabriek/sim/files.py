"""File helpers: sparse files, sparse copies, in-place writes, directory replacement.

Simulated disks are sparse files of the full size; copying them must skip the holes or a
50 GB clone would read 50 GB of zeros. Imports only stdlib (shutil lazily).
"""

from __future__ import annotations

import os


def new_uuid() -> str:
    """An uppercase UUID string, like Foundation's `UUID().uuidString`."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    hexed = raw.hex().upper()
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


def create_sparse(path: str, size: int) -> None:
    with open(path, "wb") as handle:
        handle.truncate(size)


def write_in_place(path: str, data: bytes) -> None:
    """Overwrite `path` keeping its inode (so another process's fcntl lock on it survives)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def write_atomic(path: str, data: bytes) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def sparse_copy(source: str, destination: str) -> None:
    """Copy `source` to `destination`, copying only data extents (SEEK_DATA/SEEK_HOLE)."""
    with open(source, "rb") as src, open(destination, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                data_start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:
                break  # ENXIO: only a hole remains
            data_end = os.lseek(src.fileno(), data_start, os.SEEK_HOLE)
            position = data_start
            while position < data_end:
                chunk = os.pread(src.fileno(), min(1 << 20, data_end - position), position)
                if not chunk:
                    break
                os.pwrite(dst.fileno(), chunk, position)
                position += len(chunk)
            offset = data_end
        dst.truncate(size)


class suppress_os_errors:
    """Ignore OSError inside the block."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        return kind is not None and issubclass(kind, OSError)


def discard(path: str) -> bool:
    """Unlink a file or symlink; False if it was not there (or could not be removed)."""
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def remove(path: str) -> None:
    """Remove a file, symlink or directory tree; missing is fine."""
    if os.path.islink(path) or not os.path.isdir(path):
        discard(path)
        return
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def replace_dir(staging: str, target: str, graveyard: str) -> None:
    """Move `staging` to `target`, replacing whatever is there (Tart's "replace item")."""
    old = None
    if os.path.lexists(target):
        old = os.path.join(graveyard, f"{new_uuid()}.replaced")
        os.rename(target, old)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.rename(staging, target)
    if old is not None:
        remove(old)


def set_access_time(path: str, when: float | None = None) -> None:
    """Set `path`'s access time (Tart's "last accessed" date), keeping its mtime."""
    import time

    try:
        stat = os.stat(path)
        stamp = time.time_ns() if when is None else int(when * 1e9)
        os.utime(path, ns=(stamp, max(stat.st_mtime_ns, 0)))
    except OSError:
        pass
