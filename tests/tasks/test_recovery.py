"""Start-up recovery: unfinished tasks fail, leftover tart children end as Ctrl+C would end them,
and nothing else is ever signalled (not a VM's `tart run`, not a recycled pid)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import pytest

from taartenfabriek.core import procs
from taartenfabriek.core.models import Task
from taartenfabriek.tasks import recovery
from taartenfabriek.tasks.engine import TaskEngine
from taartenfabriek.tasks.sqlite import SQLiteTaskStore
from tests.tasks.conftest import wait_until_gone

pytestmark = pytest.mark.anyio


def task(n: int, status: str) -> Task:
    now = time.time()
    return Task(id=f"t{n}", action="pull", status=status, created_at=now + n, updated_at=now)  # type: ignore[arg-type]


async def test_unfinished_tasks_fail_and_are_no_longer_active(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    crashed = SQLiteTaskStore.open(path)
    await crashed.save(task(1, "running"), ["$ tart pull x", "40%"])
    await crashed.save(task(2, "pending"))
    await crashed.save(task(3, "completed"))
    await crashed.close()  # stands in for SIGKILL: every save above was already committed

    engine = TaskEngine(SQLiteTaskStore.open(path))
    failed = await engine.recover()
    assert {t.id for t in failed} == {"t1", "t2"}
    assert await engine.active() == []
    old = await engine.get("t1")
    assert old.status == "failed"
    assert old.error is not None and old.error.startswith(
        "the server stopped while this task was running"
    )
    assert old.logs == ["$ tart pull x", "40%", f"error: {old.error}"]
    assert (await engine.get("t2")).error.startswith(
        "the server stopped while this task was pending"
    )  # type: ignore[union-attr]
    assert (await engine.get("t3")).status == "completed"
    await engine.close()


async def test_leftover_children_get_sigint_and_the_task_log_says_so(
    tmp_path: Path, spawn: object
) -> None:
    path = tmp_path / "t.sqlite3"
    crashed = SQLiteTaskStore.open(path)
    child = spawn("pull", "ghcr.io/x/y:1")  # type: ignore[operator]
    await crashed.save(task(1, "running"))
    await crashed.add_process("t1", child.pid, ["pull", "ghcr.io/x/y:1"])
    await crashed.close()

    engine = TaskEngine(SQLiteTaskStore.open(path))
    await engine.recover(process_grace=5)
    assert wait_until_gone(child) == -signal.SIGINT  # Ctrl+C: KeyboardInterrupt, re-raised
    deadline = time.monotonic() + 5
    while await engine.store.processes() and time.monotonic() < deadline:
        await _tick()
    assert await engine.store.processes() == []
    logs = (await engine.get("t1")).logs
    assert any(f"(pid {child.pid}) ended after SIGINT" in line for line in logs), logs
    await engine.close()


async def test_a_child_ignoring_sigint_is_killed_after_the_grace(
    tmp_path: Path, spawn: object
) -> None:
    store = SQLiteTaskStore.open(tmp_path / "t.sqlite3")
    child = spawn("clone", "a", "b", mode="ignore-sigint")  # type: ignore[operator]
    await store.save(task(1, "running"))
    await store.add_process("t1", child.pid, ["clone", "a", "b"])
    (record,) = await store.processes()
    started = time.monotonic()
    outcome = await recovery.end_leftover(record, grace=0.5)
    assert outcome.startswith("was killed (SIGKILL)")
    assert 0.5 <= time.monotonic() - started < 3
    assert wait_until_gone(child) == -signal.SIGKILL
    await store.close()


async def test_vm_processes_and_recycled_pids_are_never_signalled(
    tmp_path: Path, spawn: object
) -> None:
    path = tmp_path / "t.sqlite3"
    store = SQLiteTaskStore.open(path)
    vm = spawn("run", "--no-graphics", "my-vm")  # type: ignore[operator]
    stranger = spawn("pull", "ghcr.io/x/y:1")  # type: ignore[operator]
    other_args = spawn("something", "else")  # type: ignore[operator]

    def start_of(child: subprocess.Popen[bytes]) -> str:
        ident = procs.identity(child.pid)
        assert ident is not None
        return ident.start

    rows = [
        (vm.pid, start_of(vm), '["run", "--no-graphics", "my-vm"]'),  # a VM: left alone
        # Same pid and arguments, another start time: the pid was recycled.
        (stranger.pid, start_of(stranger) + "0", '["pull", "ghcr.io/x/y:1"]'),
        # Same pid and start time, other arguments: not the process we started.
        (other_args.pid, start_of(other_args), '["pull", "z"]'),
    ]
    await store.save(task(1, "running"))
    await store._submit(
        lambda conn: conn.executemany(
            "INSERT INTO task_processes (task_id, pid, start, args) VALUES ('t1', ?, ?, ?)", rows
        )
    )
    await store.close()

    engine = TaskEngine(SQLiteTaskStore.open(path))
    await engine.recover(process_grace=0.2)
    await _tick()
    assert await engine.store.processes() == []  # checked once, then forgotten
    await engine.close()
    for child in (vm, stranger, other_args):
        assert child.poll() is None, "a process that is not a tart child of ours was signalled"


async def _tick() -> None:
    await asyncio.sleep(0.3)
