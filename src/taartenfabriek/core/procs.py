"""Is a pid still the process we started, and signalling it: the one place that answers this.

A pid is only a number: once the process has gone, the system may give it to any other
process. So before a signal we check that the pid still shows the command-line arguments we
started it with and the start time it had, through psutil (`/proc` on Linux, the kernel's
process table on macOS).

Two callers, two ways to know the start time:
- the task engine reads a child's start time right after spawning it and keeps it (as the
  `Identity.start` token, in SQLite) to find a leftover after a restart: `same_process`;
- lifecycle and the console only have the wall-clock time at which `tart run` was spawned
  (in `vms.json`): `is_tart_run` allows START_SLACK seconds around it.

Only the tail of a command line is compared: `tart` may be on PATH, a full path or a shim
that execs something else (`exec python -m ...`), and all end with the same arguments.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass

START_SLACK = 5.0
"""Seconds a process's start time may differ from when we recorded spawning it."""


@dataclass(frozen=True)
class Identity:
    created: float
    """When the process started (seconds since the epoch, as the kernel has it)."""
    argv: tuple[str, ...]

    @property
    def start(self) -> str:
        """The start time as a stored token; equal tokens for one pid mean one process.

        (Tokens written before psutil read the start time, `proc:...`/`ps:...`, never match:
        such a leftover is left running rather than risk signalling a stranger.)"""
        return f"psutil:{self.created:.6f}"


def identity(pid: int) -> Identity | None:
    """The live process `pid`; None when there is none, it is a zombie, or it is not ours to
    read."""
    if pid <= 0:
        return None
    import psutil  # on first use: a server that never checks a process does not load it

    try:
        process = psutil.Process(pid)
        with process.oneshot():
            if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
                return None
            return Identity(created=process.create_time(), argv=tuple(process.cmdline()))
    except (psutil.Error, OSError):
        return None


def _ends_with(argv: Sequence[str], args: Sequence[str]) -> bool:
    """`argv` is an executable followed by (something ending in) `args`."""
    wanted = tuple(args)
    return not wanted or (len(argv) > len(wanted) and tuple(argv[-len(wanted) :]) == wanted)


def same_process(pid: int, start: str, args: Sequence[str]) -> bool:
    """True when `pid` is still the process recorded with `start` (`Identity.start`) and
    `args` (its arguments without the executable)."""
    current = identity(pid)
    return current is not None and current.start == start and _ends_with(current.argv, args)


def is_tart_run(pid: int, args: Sequence[str], started_at: float | None = None) -> bool:
    """True when `pid` runs exactly `args` (`run ... <name>`) and began at `started_at`
    (give or take START_SLACK s)."""
    if not args:
        return False
    current = identity(pid)
    if current is None or not _ends_with(current.argv, args):
        return False
    return started_at is None or abs(_created_now(current) - started_at) <= START_SLACK


def _created_now(current: Identity) -> float:
    """When the process started, on today's wall clock.

    On Linux the kernel keeps a start time in ticks since boot, which psutil turns into wall
    time with the boot time; once the wall clock has drifted from the boot clock (seen here:
    a virtual machine's clock a second slow within an hour) that is off by the drift. The
    process's age on the boot clock, taken from now, is not. On macOS the kernel records the
    start in wall time already.
    """
    if not hasattr(time, "CLOCK_BOOTTIME"):
        return current.created
    import psutil

    age = time.clock_gettime(time.CLOCK_BOOTTIME) - (current.created - psutil.boot_time())
    return time.time() - age


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


def request_guest_stop(pid: int) -> None:
    """SIGUSR2: `tart run` asks the guest OS to shut down (the ACPI power button)."""
    os.kill(pid, signal.SIGUSR2)
