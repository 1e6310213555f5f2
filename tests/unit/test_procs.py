"""Process identity: a pid is ours only with the same arguments and start time, never a zombie,
a stranger or a recycled number; signals go to the process group a tart child leads."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

from taartenfabriek.core import procs

Spawn = Callable[..., subprocess.Popen[bytes]]
"""The `spawn` fixture (tests/conftest.py): a sleeping child whose argv ends with the args."""


def test_identity_tells_processes_apart(spawn: Spawn) -> None:
    child = spawn("pull", "x")
    first = procs.identity(child.pid)
    assert first is not None and first == procs.identity(child.pid)
    assert first.argv[-2:] == ("pull", "x")
    assert abs(first.created - time.time()) < 60
    assert procs.same_process(child.pid, first.start, ["pull", "x"])
    assert procs.same_process(child.pid, first.start, [])  # the start time alone
    assert not procs.same_process(child.pid, first.start, ["pull", "y"])
    assert not procs.same_process(child.pid, first.start + "0", ["pull", "x"])
    assert not procs.same_process(child.pid, "proc:12345", ["pull", "x"])
    assert procs.identity(os.getpid()) != first
    child.kill()
    child.wait()
    assert procs.identity(child.pid) is None
    assert not procs.same_process(child.pid, first.start, ["pull", "x"])
    assert procs.identity(0) is None
    assert procs.identity(-1) is None


def test_a_zombie_is_not_a_live_process() -> None:
    zombie = subprocess.Popen(["true"], start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while procs.identity(zombie.pid) is not None:  # exited, not yet reaped
            assert time.monotonic() < deadline, "a zombie still has an identity"
            time.sleep(0.05)
    finally:
        zombie.wait()


def test_is_tart_run_checks_the_argv_and_start_time(spawn: Spawn) -> None:
    args = ["run", "--no-graphics", "vm"]
    started = time.time()
    child = spawn(*args)
    assert procs.is_tart_run(child.pid, args, started)
    assert procs.is_tart_run(child.pid, args)
    assert procs.is_tart_run(child.pid, args, started + procs.START_SLACK - 1)
    assert not procs.is_tart_run(child.pid, ["run", "--no-graphics", "other"], started)
    assert not procs.is_tart_run(child.pid, args, started - 3600)
    assert not procs.is_tart_run(child.pid, [], started)
    assert not procs.is_tart_run(os.getpid(), args, started)
    child.kill()
    child.wait()
    assert not procs.is_tart_run(child.pid, args, started)
    assert not procs.is_tart_run(0, args)


def test_the_whole_argv_is_never_enough(spawn: Spawn) -> None:
    """The executable comes first: recorded arguments longer than the command line never
    match, however its tail reads."""
    child = spawn("pull")
    ident = procs.identity(child.pid)
    assert ident is not None
    assert not procs.same_process(child.pid, ident.start, [*ident.argv])
    assert procs.same_process(child.pid, ident.start, [*ident.argv[1:]])


def test_interrupt_signals_the_group_a_child_leads(spawn: Spawn) -> None:
    leader = spawn("leader")
    assert procs.interrupt(leader.pid, signal.SIGTERM)
    assert leader.wait(5) == -signal.SIGTERM
    assert not procs.interrupt(leader.pid)  # reaped: gone
    member = spawn("member", session=False)  # in our own group: only the process itself
    assert procs.interrupt(member.pid, signal.SIGTERM)
    assert member.wait(5) == -signal.SIGTERM
