"""Start-up recovery after a crash: what the previous server left behind.

A task still `pending`/`running` in the store belonged to a server that died without recording
its end (SIGKILL, power loss, a crash): it becomes `failed`, saying so. Its `tart` children may
have outlived that server (each runs in its own session); those still alive, and still the
very process recorded (same pid, start time and arguments), are ended the way Ctrl+C would end
them, so Tart removes its temporary files; SIGKILL follows if one ignores SIGINT. `tart run`
processes are VMs, which outlive the server by design: they are never touched.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Sequence

from ..core import procs
from ..core.models import Task
from .store import ProcessRecord, TaskStore

log = logging.getLogger(__name__)

PROCESS_GRACE = 10.0
"""Seconds a leftover tart child gets after SIGINT before SIGKILL (as the runner gives)."""

POLL = 0.1


def unfinished_error(task: Task) -> str:
    return (
        f"the server stopped while this task was {task.status}: {task.action} did not finish "
        "(the server was killed or crashed, or the machine went down)"
    )


async def fail_unfinished(store: TaskStore) -> list[Task]:
    """Record every task the previous server left unfinished as failed; returns them."""
    failed = []
    for task in await store.active():
        error = unfinished_error(task)
        task.status, task.error, task.updated_at = "failed", error, time.time()
        await store.save(task, [f"error: {error}"])
        task.logs.append(f"error: {error}")
        log.warning("task %s (%s of %s): %s", task.id, task.action, task.vm, error)
        failed.append(task)
    return failed


def _alive(record: ProcessRecord) -> bool:
    return procs.same_process(record.pid, record.start, record.args)


async def leftover_processes(store: TaskStore) -> list[ProcessRecord]:
    """Recorded children still running as the same process; forgets the rest."""
    records = await store.processes()
    alive: list[ProcessRecord] = []
    for record in records:
        if record.args[:1] == ("run",):
            continue  # a VM: never ours to end (and never recorded, but be sure)
        if await asyncio.to_thread(_alive, record):
            alive.append(record)
    await store.forget_processes([record for record in records if record not in alive])
    return alive


def interrupt_leftovers(records: Sequence[ProcessRecord]) -> list[bool]:
    """SIGINT every leftover's process group now; which ones were still there."""
    return [procs.interrupt(record.pid, signal.SIGINT) for record in records]


async def await_end(record: ProcessRecord, grace: float) -> str:
    """Watch an interrupted leftover for `grace` seconds, then SIGKILL it if it stayed."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not await asyncio.to_thread(_alive, record):
            return "ended after SIGINT"
        await asyncio.sleep(POLL)
    if await asyncio.to_thread(_alive, record):
        procs.interrupt(record.pid, signal.SIGKILL)
        return f"was killed (SIGKILL): it ignored SIGINT for {grace:g} s"
    return "ended after SIGINT"


async def end_leftover(record: ProcessRecord, grace: float) -> str:
    if not interrupt_leftovers([record])[0]:
        return "was already gone"
    return await await_end(record, grace)


async def watch_leftovers(
    store: TaskStore, records: Sequence[ProcessRecord], signalled: Sequence[bool], grace: float
) -> None:
    """After `interrupt_leftovers`: escalate where needed, note each outcome in its task's log,
    then forget the records."""
    outcomes = await asyncio.gather(
        *(
            await_end(record, grace) if sent else _already_gone()
            for record, sent in zip(records, signalled, strict=True)
        )
    )
    for record, outcome in zip(records, outcomes, strict=True):
        line = f"recovery: leftover `tart {' '.join(record.args)}` (pid {record.pid}) {outcome}"
        log.warning("task %s: %s", record.task_id, line)
        task = await store.get(record.task_id)
        if task is not None:
            await store.save(task, [line])
    await store.forget_processes(records)


async def _already_gone() -> str:
    return "was already gone"
