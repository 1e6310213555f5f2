"""Recognising a recorded `tart` child after a restart, and ending it as Ctrl+C would.

A pid alone is not an identity: once the old child has gone, the kernel may hand its number to
any other process. A record therefore keeps the process's start time too, and a leftover is
only signalled when the pid still shows that start time and the same command-line arguments.
Linux reads `/proc`; macOS (where Tart runs) asks `ps`, which prints the same fields.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Identity:
    start: str
    """Opaque start-time token; equal tokens for one pid mean one process."""
    argv: tuple[str, ...]


def identity(pid: int) -> Identity | None:
    """The live process `pid` (not a zombie), or None when there is none."""
    if pid <= 0:
        return None
    if (PROC / "self" / "stat").exists():
        return _from_proc(pid)
    return _from_ps(pid)


def _from_proc(pid: int) -> Identity | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        raw_argv = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    argv = tuple(part.decode("utf-8", "replace") for part in raw_argv.split(b"\0") if part)
    return Identity(start=f"proc:{fields[19]}", argv=argv)


def _from_ps(pid: int) -> Identity | None:
    try:
        result = subprocess.run(
            ["ps", "-ww", "-o", "stat=", "-o", "lstart=", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = result.stdout.split()
    # stat, then lstart as five words ("Tue May 14 10:11:12 2024"), then the command line.
    if result.returncode != 0 or len(parts) < 7 or parts[0].startswith("Z"):
        return None
    return Identity(start="ps:" + " ".join(parts[1:6]), argv=tuple(parts[6:]))


def same_process(pid: int, start: str, args: Sequence[str]) -> bool:
    """True when `pid` is still the process recorded with `start` and `args`.

    `args` are tart's arguments without the executable: `tart` may be a shim that execs
    something else, so only the tail of the command line is compared.
    """
    current = identity(pid)
    if current is None or current.start != start:
        return False
    wanted = tuple(args)
    return not wanted or current.argv[-len(wanted) :] == wanted


def interrupt(pid: int, sig: int = signal.SIGINT) -> bool:
    """Signal the process group `pid` leads (tart children are session leaders), or the
    process alone if it is not a group leader; False when it is already gone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True
