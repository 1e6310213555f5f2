"""The `tart run` processes this server started: is a pid still one of them, and signalling it.

A pid is only a number: after the VM stops, the system may give it to any other process. So
before a signal we check that the process still runs the exact `tart run ... <name>` argv we
spawned and started when we spawned it; a mismatch means "not ours any more".
"""

from __future__ import annotations

import os
import signal

import psutil

START_SLACK = 5.0
"""Seconds a process's start time may differ from when we recorded spawning it."""


def command_line(pid: int) -> list[str] | None:
    """The live process's argv; None when it is gone, a zombie, or not readable."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.cmdline()
    except (psutil.Error, OSError):
        return None


def is_tart_run(pid: int, args: list[str], started_at: float | None = None) -> bool:
    """True when `pid` runs `tart` with exactly `args` (`run ... <name>`) and began at
    `started_at` (give or take START_SLACK s).

    The executable part of the command line is not compared: a `tart` on PATH, a full path or
    a wrapper script (`exec python -m ...`) all end with the same arguments.
    """
    if pid <= 0 or not args:
        return False
    cmdline = command_line(pid)
    if not cmdline or len(cmdline) < len(args) + 1 or cmdline[-len(args) :] != args:
        return False
    if started_at is not None:
        try:
            created = psutil.Process(pid).create_time()
        except (psutil.Error, OSError):
            return False
        if abs(created - started_at) > START_SLACK:
            return False
    return True


def request_guest_stop(pid: int) -> None:
    """SIGUSR2: `tart run` asks the guest OS to shut down (the ACPI power button)."""
    os.kill(pid, signal.SIGUSR2)
