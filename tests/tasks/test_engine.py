"""TaskEngine on the SQLite store: states on disk at once, logs batched, claims, cancel,
storage failures and shutdown. Bodies here stand in for backend operations."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.core.errors import Conflict, NotFound, ShuttingDown, StorageError, TartFailed
from taartenfabriek.core.models import Task
from taartenfabriek.tasks.engine import TaskEngine, TaskRun
from taartenfabriek.tasks.run import PERSIST_DELAY
from taartenfabriek.tasks.sqlite import SQLiteTaskStore
from taartenfabriek.tasks.store import MemoryTaskStore

pytestmark = pytest.mark.anyio


def on_disk(path: Path, task_id: str) -> tuple[str, list[str]]:
    """(status, log lines) as another process would read them now."""
    with sqlite3.connect(path) as conn:
        (status,) = conn.execute("SELECT status FROM tasks WHERE id = ?", (task_id,)).fetchone()
        lines = [
            r[0]
            for r in conn.execute(
                "SELECT line FROM task_logs WHERE task_id = ? ORDER BY seq", (task_id,)
            )
        ]
    return status, lines


class Gate:
    """A body that logs, then waits until released (or forever)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled_by_user: bool | None = None

    async def __call__(self, run: TaskRun) -> dict[str, Any]:
        run.log("working")
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled_by_user = run.cancel_requested
            raise
        return {"message": "done"}


async def test_each_status_is_on_disk_before_anyone_hears_of_it(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("pull", gate, vm="img", claims={"img": "exclusive"})
    assert on_disk(store.path, task.id)[0] in ("pending", "running")
    await gate.entered.wait()
    assert on_disk(store.path, task.id)[0] == "running"
    gate.release.set()
    done = await engine.wait(task.id)
    assert done.status == "completed" and done.result == {"message": "done"}
    assert on_disk(store.path, task.id) == ("completed", ["working"])
    await engine.close()


async def test_log_lines_reach_the_disk_within_half_a_second(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("pull", gate)
    await gate.entered.wait()
    started = time.monotonic()
    while on_disk(store.path, task.id)[1] != ["working"]:
        assert time.monotonic() - started < 0.5, "log line not written within 0.5 s"
        await asyncio.sleep(0.01)
    assert PERSIST_DELAY <= 0.5
    gate.release.set()
    await engine.wait(task.id)
    await engine.close()


async def test_failures_keep_exit_code_and_stderr(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)

    async def body(run: TaskRun) -> dict[str, Any]:
        raise TartFailed(
            "tart pull failed: 404", argv=["tart", "pull"], exit_code=1, stderr="Error: 404"
        )

    task = await engine.wait((await engine.submit("pull", body)).id)
    assert (task.status, task.exit_code, task.stderr, task.error) == (
        "failed",
        1,
        "Error: 404",
        "tart pull failed: 404",
    )
    assert task.logs[-1] == "error: tart pull failed: 404"
    assert await store.get(task.id) == task
    await engine.close()


async def test_claims_serialise_one_vm_and_let_others_run(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    first = await engine.submit("start", gate, vm="a", claims={"a": "exclusive"})
    with pytest.raises(Conflict, match=f"start task {first.id}"):
        await engine.submit("stop", Gate(), vm="A", claims={"A": "exclusive"})
    other_gate = Gate()
    other = await engine.submit("start", other_gate, vm="b", claims={"b": "exclusive"})
    await asyncio.wait_for(asyncio.gather(gate.entered.wait(), other_gate.entered.wait()), 5)
    # Two clones of one source share it; a start of that source must wait for both.
    shared = [Gate(), Gate()]
    for n, body in enumerate(shared):
        await engine.submit("clone", body, claims={"src": "shared", f"new{n}": "exclusive"})
    with pytest.raises(Conflict, match="src is busy: clone task"):
        engine.check_claims({"src": "exclusive"})
    for body in (gate, other_gate, *shared):
        body.release.set()
    await engine.wait(first.id)
    await engine.wait(other.id)
    await asyncio.sleep(0.05)
    engine.check_claims({"a": "exclusive", "src": "exclusive"})  # all released
    await engine.close()


async def test_cancel_a_running_task(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("pull", gate, claims={"img": "exclusive"})
    await gate.entered.wait()
    cancelled = await engine.cancel(task.id)
    assert cancelled.status == "failed"
    assert cancelled.error == "pull was cancelled by the user"
    assert cancelled.cancelled
    assert gate.cancelled_by_user is True
    assert on_disk(store.path, task.id)[0] == "failed"
    engine.check_claims({"img": "exclusive"})
    with pytest.raises(Conflict, match="already failed"):
        await engine.cancel(task.id)
    with pytest.raises(NotFound):
        await engine.cancel("no-such-task")
    await engine.close()


async def test_cancel_before_the_task_took_its_first_step(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("clone", gate, claims={"x": "exclusive"})
    cancelled = await engine.cancel(task.id)  # the body never ran
    assert (cancelled.status, cancelled.error) == ("failed", "clone was cancelled by the user")
    assert not gate.entered.is_set()
    engine.check_claims({"x": "exclusive"})
    await engine.close()


class SlowStore(MemoryTaskStore):
    """Takes its time to record one status, so something can happen in the middle."""

    def __init__(self, slow: str) -> None:
        super().__init__()
        self.slow = slow

    def save(self, task: Task, new_logs: Sequence[str] = (), **kw: bool) -> Awaitable[None]:
        super().save(task, new_logs, **kw)
        return asyncio.sleep(0.3 if task.status == self.slow else 0)


async def test_a_client_that_sees_the_end_finds_the_vm_free() -> None:
    engine = TaskEngine(SlowStore("completed"))

    async def body(run: TaskRun) -> dict[str, Any]:
        return {}

    task = await engine.submit("stop", body, claims={"dev": "exclusive"})
    while (await engine.get(task.id)).status != "completed":
        await asyncio.sleep(0.005)  # a client polling GET /api/tasks/{id}
    engine.check_claims({"dev": "exclusive"})  # its next request is not a 409
    stored = await engine.store.get(task.id)
    assert stored is not None and stored.status == "completed"  # and it was on disk first
    await engine.close()


async def test_cancel_while_running_is_being_recorded() -> None:
    store = SlowStore("running")
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("pull", gate, claims={"img": "exclusive"})
    run = engine.live(task.id)
    assert run is not None
    while not run.started:
        await asyncio.sleep(0.01)
    cancelled = await engine.cancel(task.id)
    assert (cancelled.status, cancelled.error) == ("failed", "pull was cancelled by the user")
    assert not gate.entered.is_set()
    stored = await store.get(task.id)
    assert stored is not None and stored.status == "failed"
    engine.check_claims({"img": "exclusive"})
    await engine.close()


async def test_a_finished_task_cannot_be_cancelled(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)

    async def body(run: TaskRun) -> dict[str, Any]:
        return {}

    task = await engine.wait((await engine.submit("delete", body)).id)
    with pytest.raises(Conflict, match="already completed"):
        await engine.cancel(task.id)
    await engine.close()


async def test_history_and_get_answer_for_old_tasks_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    engine = TaskEngine(SQLiteTaskStore.open(path))

    async def body(run: TaskRun) -> dict[str, Any]:
        run.log("hello")
        return {"n": 1}

    ids = [
        (await engine.wait((await engine.submit("pull", body, vm=f"v{n % 2}")).id)).id
        for n in range(5)
    ]
    await engine.close()
    engine = TaskEngine(SQLiteTaskStore.open(path))
    old = await engine.get(ids[0])
    assert (old.status, old.logs, old.result) == ("completed", ["hello"], {"n": 1})
    history = await engine.history(limit=2, offset=0, vm="v0", log_tail=1)
    assert [t.id for t in history] == [ids[4], ids[2]]
    assert history[0].logs == ["hello"]
    assert await engine.count("v0") == 3
    await engine.close()


async def test_history_shows_live_state_of_running_tasks(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("pull", gate)
    await gate.entered.wait()
    (listed,) = await engine.history(limit=5, offset=0, vm=None, log_tail=5)
    assert (listed.id, listed.status, listed.logs) == (task.id, "running", ["working"])
    gate.release.set()
    await engine.wait(task.id)
    await engine.close()


async def test_shutdown_records_running_tasks_as_interrupted(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    gate = Gate()
    task = await engine.submit("start", gate, vm="a", claims={"a": "exclusive"})
    await gate.entered.wait()
    subscription = engine.subscribe(task.id)
    engine.begin_shutdown()
    with pytest.raises(ShuttingDown):
        await engine.submit("pull", Gate())
    assert await asyncio.wait_for(_last(subscription), 5) is None  # watchers told: going away
    path = store.path
    await engine.close()
    assert gate.cancelled_by_user is False  # a start must leave its VM running
    assert on_disk(path, task.id)[0] == "failed"
    again = SQLiteTaskStore.open(path)
    stored = await again.get(task.id)
    await again.close()
    assert stored is not None and stored.error == "start was interrupted by a server shutdown"
    assert not stored.cancelled  # a shutdown's interruption is not the user's cancel


async def _last(subscription: Any) -> Any:
    while True:
        payload = await subscription.get()
        if payload is None:
            return None


async def test_shutdown_does_not_wait_forever_for_a_stubborn_task(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    entered, give_up = asyncio.Event(), asyncio.Event()

    async def stubborn(run: TaskRun) -> dict[str, Any]:
        entered.set()
        while not give_up.is_set():
            try:
                await give_up.wait()
            except asyncio.CancelledError:
                continue  # like a tart that ignores SIGINT while the runner waits on it
        raise asyncio.CancelledError

    task = await engine.submit("pull", stubborn)
    await entered.wait()
    started = time.monotonic()
    path = store.path
    await engine.close(grace=0.3)
    assert time.monotonic() - started < 2
    assert on_disk(path, task.id)[0] == "failed"
    run = engine.live(task.id)
    assert run is not None and run.asyncio_task is not None
    give_up.set()
    await asyncio.wait({run.asyncio_task}, timeout=5)
    assert run.asyncio_task.done()


async def test_a_task_that_cannot_be_recorded_is_refused(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store)
    await store.close()
    with pytest.raises(StorageError):
        await engine.submit("pull", Gate(), claims={"img": "exclusive"})
    engine.check_claims({"img": "exclusive"})  # nothing left holding the name


async def test_a_full_disk_while_running_fails_the_task_and_says_why(
    store: SQLiteTaskStore,
) -> None:
    engine = TaskEngine(store)

    async def chatty(run: TaskRun) -> dict[str, Any]:
        while True:
            run.log("x" * 2000)
            await asyncio.sleep(0.001)

    task = await engine.submit("pull", chatty)
    await asyncio.sleep(0.1)
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    ended = await asyncio.wait_for(engine.wait(task.id), 10)
    assert ended.status == "failed"
    assert (
        ended.error is not None and "could not be recorded" in ended.error and "full" in ended.error
    )
    # The final state could not be written either: it is still served, from memory.
    assert (await engine.get(task.id)).status == "failed"
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    await engine.close()
    assert on_disk(store.path, task.id)[0] == "failed"  # written when the disk had room again


async def test_retention_prunes_at_recovery(store: SQLiteTaskStore) -> None:
    engine = TaskEngine(store, retention_count=3)

    async def body(run: TaskRun) -> dict[str, Any]:
        return {}

    for _ in range(6):
        await engine.wait((await engine.submit("pull", body)).id)
    await engine.recover()
    assert await engine.count() == 3
    await engine.close()


async def test_an_engine_can_be_started_again_after_close(tmp_path: Path) -> None:
    """Test clients run an app's lifespan more than once: close, then recover, then work."""
    engine = TaskEngine(SQLiteTaskStore.open(tmp_path / "t.sqlite3"))
    await engine.recover()

    async def body(run: TaskRun) -> dict[str, Any]:
        return {"n": 1}

    first = await engine.wait((await engine.submit("pull", body)).id)
    await engine.close()
    await engine.recover()
    second = await engine.wait((await engine.submit("pull", body)).id)
    assert second.status == "completed"
    assert [t.id for t in await engine.history(limit=5, offset=0, vm=None)] == [second.id, first.id]
    await engine.close()
