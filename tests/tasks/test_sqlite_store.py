"""SQLiteTaskStore: what is written is on disk, bounded, paged, pruned, migrated, refused."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from taartenfabriek.core.errors import StorageError
from taartenfabriek.core.models import Task
from taartenfabriek.tasks import sqlite as sqlite_module
from taartenfabriek.tasks.sqlite import SQLiteTaskStore, schema_version

pytestmark = pytest.mark.anyio


def make_task(
    n: int = 0, *, status: str = "completed", vm: str | None = "vm-a", **extra: object
) -> Task:
    now = time.time()
    return Task(
        id=f"task-{n:05d}",
        action="pull",
        status=status,  # type: ignore[arg-type]
        created_at=extra.pop("created_at", now + n * 0.001),  # type: ignore[arg-type]
        updated_at=now,
        vm=vm,
        **extra,  # type: ignore[arg-type]
    )


def raw(path: Path, query: str, *args: object) -> list[tuple[object, ...]]:
    """Read with a connection of our own, as another process would after a crash."""
    with sqlite3.connect(path) as conn:
        return conn.execute(query, args).fetchall()


async def test_every_field_round_trips_and_is_readable_by_another_connection(
    store: SQLiteTaskStore,
) -> None:
    task = make_task(
        1,
        status="failed",
        command=["tart", "pull", "ghcr.io/x/y:1"],
        exit_code=1,
        result={"name": "y", "nested": [1, 2]},
        error="tart pull failed: 404",
        stderr="Error: 404\n",
        progress=42.0,
    )
    await store.save(task, ["$ tart pull ghcr.io/x/y:1", "0%", "42%"])
    assert raw(store.path, "SELECT status FROM tasks WHERE id = ?", task.id) == [("failed",)]
    got = await store.get(task.id)
    assert got == task.model_copy(update={"logs": ["$ tart pull ghcr.io/x/y:1", "0%", "42%"]})
    assert await store.get("nope") is None


async def test_logs_append_across_saves_and_keep_only_the_tail(tmp_path: Path) -> None:
    store = SQLiteTaskStore.open(tmp_path / "t.sqlite3", max_log_lines=10)
    try:
        task = make_task(status="running")
        await store.save(task)
        for batch in range(5):
            await store.save(task, [f"line {batch * 5 + i}" for i in range(5)])
        got = await store.get(task.id)
        assert got is not None
        assert got.logs == [f"line {i}" for i in range(15, 25)]
        # One batch longer than the bound keeps its own tail and numbers lines on.
        await store.save(task, [f"big {i}" for i in range(30)])
        got = await store.get(task.id)
        assert got is not None
        assert got.logs == [f"big {i}" for i in range(20, 30)]
        assert raw(store.path, "SELECT COUNT(*) FROM task_logs") == [(10,)]
        assert raw(store.path, "SELECT log_count FROM tasks") == [(55,)]
    finally:
        await store.close()


async def test_history_is_newest_first_paged_filtered_and_counted(store: SQLiteTaskStore) -> None:
    for n in range(30):
        await store.save(make_task(n, vm="vm-a" if n % 3 else "VM-B"), [f"a{n}", f"b{n}"])
    page = await store.history(limit=10, offset=0)
    assert [t.id for t in page] == [f"task-{n:05d}" for n in range(29, 19, -1)]
    assert page[0].logs == ["a29", "b29"]  # whole logs unless asked otherwise
    assert all(t.logs == [] for t in await store.history(limit=10, log_tail=0))
    page2 = await store.history(limit=10, offset=25)
    assert [t.id for t in page2] == [f"task-{n:05d}" for n in range(4, -1, -1)]
    only_b = await store.history(limit=100, vm="vm-b", log_tail=1)  # names: case-insensitive
    assert [t.id for t in only_b] == [f"task-{n:05d}" for n in range(27, -1, -3)]
    assert only_b[0].logs == ["b27"]
    assert await store.count() == 30
    assert await store.count("vm-b") == 10
    assert await store.count("other") == 0


async def test_active_lists_pending_and_running_only(store: SQLiteTaskStore) -> None:
    await store.save(make_task(1, status="completed"))
    await store.save(make_task(2, status="running"), ["working"])
    await store.save(make_task(3, status="pending"))
    await store.save(make_task(4, status="failed"))
    active = await store.active()
    assert [(t.id, t.status) for t in active] == [
        ("task-00002", "running"),
        ("task-00003", "pending"),
    ]
    assert active[0].logs == ["working"]


async def test_history_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = SQLiteTaskStore.open(path)
    await store.save(make_task(7), ["kept"])
    await store.close()
    again = SQLiteTaskStore.open(path)
    try:
        got = await again.get("task-00007")
        assert got is not None and got.logs == ["kept"]
    finally:
        await again.close()


async def test_prune_by_count_keeps_the_newest_and_unfinished(store: SQLiteTaskStore) -> None:
    await store.save(make_task(0, status="running"), ["still going"])
    for n in range(1, 21):
        await store.save(make_task(n), [f"log {n}"])
    await store.add_process("task-00003", 1, ["pull", "x"])  # pid 1 lives: recorded
    assert await store.prune(keep=5, max_age=None) == 15
    left = {t.id for t in await store.history(limit=100)}
    assert left == {f"task-{n:05d}" for n in range(16, 21)} | {"task-00000"}
    assert raw(store.path, "SELECT COUNT(*) FROM task_logs") == [(6,)]
    assert await store.processes() == []
    assert await store.prune(keep=5, max_age=None) == 0


async def test_prune_by_age(store: SQLiteTaskStore) -> None:
    old = time.time() - 10 * 86400
    await store.save(make_task(1, created_at=old))
    await store.save(make_task(2, created_at=old, status="pending"))
    await store.save(make_task(3))
    assert await store.prune(keep=0, max_age=86400) == 1
    assert {t.id for t in await store.history(limit=10)} == {"task-00002", "task-00003"}


async def test_fresh_database_is_wal_full_sync_and_current_schema(store: SQLiteTaskStore) -> None:
    assert raw(store.path, "PRAGMA journal_mode") == [("wal",)]
    assert raw(store.path, "PRAGMA user_version") == [(schema_version(),)]
    indexes = {
        row[0] for row in raw(store.path, "SELECT name FROM sqlite_master WHERE type='index'")
    }
    assert {"tasks_by_vm", "tasks_by_created", "tasks_unfinished"} <= indexes
    plan = raw(
        store.path, "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE vm = ? ORDER BY seq DESC", "x"
    )
    assert "tasks_by_vm" in str(plan)


async def test_migrations_run_in_order_from_an_older_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.sqlite3"
    store = SQLiteTaskStore.open(path)
    await store.save(make_task(1), ["old line"])
    await store.close()
    extra = "ALTER TABLE tasks ADD COLUMN note TEXT; UPDATE tasks SET note = 'migrated';"
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", [*sqlite_module.MIGRATIONS, extra])
    store = SQLiteTaskStore.open(path)
    try:
        assert raw(path, "PRAGMA user_version") == [(schema_version(),)]
        assert raw(path, "SELECT note FROM tasks") == [("migrated",)]
        got = await store.get("task-00001")
        assert got is not None and got.logs == ["old line"]
    finally:
        await store.close()


async def test_a_newer_schema_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    with pytest.raises(StorageError, match="newer version"):
        SQLiteTaskStore.open(path)


async def test_a_second_server_on_the_same_folder_is_refused(store: SQLiteTaskStore) -> None:
    with pytest.raises(StorageError, match="already using the state folder"):
        SQLiteTaskStore.open(store.path)


@pytest.mark.parametrize("layout", ["parent-is-a-file", "database-is-a-folder", "garbage"])
async def test_an_unusable_place_fails_at_open(tmp_path: Path, layout: str) -> None:
    if layout == "parent-is-a-file":
        (tmp_path / "home").write_text("not a folder")
        path = tmp_path / "home" / "tasks.sqlite3"
    elif layout == "database-is-a-folder":
        path = tmp_path / "tasks.sqlite3"
        path.mkdir()
    else:
        path = tmp_path / "tasks.sqlite3"
        path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=str(path.parent)):
        SQLiteTaskStore.open(path)


async def test_a_full_disk_is_an_error_not_a_silent_loss(store: SQLiteTaskStore) -> None:
    await store.save(make_task(1, status="running"))
    # SQLite's own "disk full": no page may be added beyond what the file has now.
    pages = raw(store.path, "PRAGMA page_count")[0][0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="full"):
        await store.save(make_task(1, status="running"), ["x" * 3000] * 200)
    # Nothing half-written: the task is still as last recorded, and the store still works.
    got = await store.get("task-00001")
    assert got is not None and got.logs == []
    await store.save(make_task(1, status="completed"))
    assert raw(store.path, "SELECT status FROM tasks") == [("completed",)]


async def test_processes_are_recorded_with_their_start_time_and_forgotten(
    store: SQLiteTaskStore, spawn: object
) -> None:
    child = spawn("pull", "ghcr.io/x/y:1")  # type: ignore[operator]
    await store.save(make_task(1, status="running"))
    await store.add_process("task-00001", child.pid, ["pull", "ghcr.io/x/y:1"])
    child.kill()
    child.wait()
    await store.add_process("task-00001", child.pid, ["pull", "gone"])  # gone: not recorded
    (record,) = await store.processes()
    assert (record.task_id, record.pid, record.args) == (
        "task-00001",
        child.pid,
        ("pull", "ghcr.io/x/y:1"),
    )
    assert record.start
    await store.save(make_task(1, status="completed"), done=True)
    assert await store.processes() == []


async def test_a_closed_store_refuses_writes(tmp_path: Path) -> None:
    store = SQLiteTaskStore.open(tmp_path / "t.sqlite3")
    await store.close()
    with pytest.raises(StorageError, match="closed"):
        await store.save(make_task(1))
    # The lock went with it: the folder can be opened again.
    again = SQLiteTaskStore.open(tmp_path / "t.sqlite3")
    await again.close()
