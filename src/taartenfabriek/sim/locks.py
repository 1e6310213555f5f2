"""The locks Tart uses (§3.2): fcntl record locks on config.json, flock on directories.

"Running" means some process holds a POSIX write lock on `vms/<name>/config.json`; other
processes learn its PID with F_GETLK. Linux only: `struct flock` is packed for x86_64 and
aarch64 (`short l_type, l_whence; off_t l_start, l_len; pid_t l_pid` + padding).
Beware POSIX semantics: closing *any* descriptor of a locked file drops the process's lock.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

_FLOCK = struct.Struct("hhqqi4x")
_BUSY = (errno.EACCES, errno.EAGAIN)


def _request(lock_type: int) -> bytes:
    return _FLOCK.pack(lock_type, os.SEEK_SET, 0, 0, 0)


def holder_pid(path: str) -> int:
    """PID of the process holding a lock on `path`, 0 if none (or unopenable)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, _request(fcntl.F_WRLCK))
    except OSError:
        return 0
    finally:
        os.close(fd)
    lock_type, _whence, _start, _length, pid = _FLOCK.unpack(answer)
    return 0 if lock_type == fcntl.F_UNLCK else int(pid)


def try_write_lock(fd: int) -> bool:
    """Take a whole-file write lock on `fd` without waiting; False if someone holds it."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETLK, _request(fcntl.F_WRLCK))
    except OSError as error:
        if error.errno in _BUSY:
            return False
        raise
    return True


class FileLock:
    """flock(2) on a file or directory (Tart's FileLock): global, pull and staging locks."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1

    def _open(self) -> None:
        if self.fd < 0:
            self.fd = os.open(self.path, os.O_RDONLY)

    def try_lock(self) -> bool:
        self._open()
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False
            raise
        return True

    def lock(self) -> None:
        self._open()
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def unlock(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> FileLock:
        self.lock()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.unlock()
