"""10,000 stored tasks: saving stays cheap and history paging stays fast, through the real server.

The numbers are printed (run with `-s` to see them) and checked against generous bounds: a
missing index or an unbounded scan shows up as a multiple of these, not a few percent.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest

from taartenfabriek.core.models import Task
from taartenfabriek.tasks.engine import TaskEngine, TaskRun
from taartenfabriek.tasks.sqlite import SQLiteTaskStore
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

STORED = 10_000
LOG_LINES = 20
VMS = 50


def seed(path: Path, count: int) -> float:
    """Bulk-write `count` finished tasks (with logs) as a long-running server would have."""

    async def run() -> float:
        store = SQLiteTaskStore.open(path)
        started = time.perf_counter()
        now = time.time() - count

        def write(conn: object) -> None:
            tasks, logs = [], []
            for n in range(count):
                task = Task(
                    id=f"seed-{n:06d}",
                    action=("pull", "clone", "start", "stop")[n % 4],
                    status="completed" if n % 7 else "failed",
                    command=["tart", "pull", f"ghcr.io/x/img-{n % VMS}:latest"],
                    exit_code=0,
                    result={"message": f"task {n}"},
                    created_at=now + n,
                    updated_at=now + n + 0.5,
                    vm=f"vm-{n % VMS}",
                )
                tasks.append(
                    (
                        task.id,
                        task.action,
                        task.status,
                        task.vm,
                        task.created_at,
                        task.updated_at,
                        LOG_LINES,
                        task.model_dump_json(exclude={"logs"}),
                    )
                )
                logs += [(task.id, i + 1, f"{n}: progress line {i}") for i in range(LOG_LINES)]
            with conn:  # type: ignore[attr-defined]
                conn.executemany(  # type: ignore[attr-defined]
                    "INSERT INTO tasks (id, action, status, vm, created_at, updated_at, "
                    "log_count, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    tasks,
                )
                conn.executemany("INSERT INTO task_logs VALUES (?, ?, ?)", logs)  # type: ignore[attr-defined]

        await store._submit(write)
        elapsed = time.perf_counter() - started
        await store.close()
        return elapsed

    return asyncio.run(run())


def lifecycle_cost(path: Path, count: int) -> float:
    """Median seconds for one whole task (submit, running, a log batch, completed) at scale."""

    async def run() -> float:
        engine = TaskEngine(SQLiteTaskStore.open(path))

        async def body(task_run: TaskRun) -> dict[str, str]:
            for i in range(5):
                task_run.log(f"line {i}")
            engine.persist(task_run)  # one log batch, as the timer would write it
            return {"message": "ok"}

        durations = []
        for _ in range(count):
            started = time.perf_counter()
            await engine.wait((await engine.submit("pull", body, vm="vm-0")).id)
            durations.append(time.perf_counter() - started)
        await engine.close()
        return statistics.median(durations)

    return asyncio.run(run())


def timed(client: object, url: str, repeat: int = 20) -> tuple[float, object]:
    samples, body = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        body = response.json()
    return statistics.median(samples), body


def test_ten_thousand_tasks(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(
        env_overrides={"TARTVM_TASK_RETENTION_COUNT": "0", "TARTVM_TASK_RETENTION_DAYS": "0"}
    )
    server.home.mkdir(parents=True, mode=0o700)
    db = server.home / "tasks.sqlite3"
    seeded = seed(db, STORED)
    per_task = lifecycle_cost(db, 100)
    size_mb = sum(p.stat().st_size for p in server.home.glob("tasks.sqlite3*")) / 1e6

    server.start()
    numbers: dict[str, float] = {}
    with server.client() as client:
        numbers["first page (limit=50, whole logs)"], first = timed(client, "/api/tasks?limit=50")
        numbers["first page without logs (logs=0)"], bare = timed(
            client, "/api/tasks?limit=50&logs=0"
        )
        numbers["deepest page (offset=10050)"], last = timed(
            client, "/api/tasks?limit=50&offset=10050"
        )
        numbers["one VM (vm=vm-7)"], vm_page = timed(client, "/api/tasks?limit=50&vm=vm-7")
        numbers["first page with logs=20"], with_logs = timed(client, "/api/tasks?limit=50&logs=20")
        numbers["limit=500 (whole logs)"], big = timed(client, "/api/tasks?limit=500", repeat=5)
        numbers["GET oldest task"], oldest = timed(client, "/api/tasks/seed-000000")
        count = client.get("/api/tasks?limit=1").headers["X-Total-Count"]

    assert count == str(STORED + 100)
    assert len(first) == 50 and first[0]["vm"] == "vm-0"  # type: ignore[index, arg-type]
    assert first[0]["logs"] == [f"line {i}" for i in range(5)]  # type: ignore[index]
    assert all(task["logs"] == [] for task in bare)  # type: ignore[union-attr, index]
    assert [t["id"] for t in last] == [f"seed-{n:06d}" for n in range(49, -1, -1)]  # type: ignore[union-attr]
    assert len(vm_page) == 50 and {t["vm"] for t in vm_page} == {"vm-7"}  # type: ignore[union-attr]
    assert with_logs[0]["logs"] == [f"line {i}" for i in range(5)]  # type: ignore[index]
    assert len(big) == 500  # type: ignore[arg-type]
    assert len(oldest["logs"]) == LOG_LINES  # type: ignore[index]

    print(f"\nseeded {STORED} tasks x {LOG_LINES} log lines in {seeded:.2f} s; db {size_mb:.1f} MB")
    print(
        f"one task's whole life at {STORED} tasks (3 fsynced writes + a log batch): "
        f"{per_task * 1000:.1f} ms"
    )
    for name, seconds in numbers.items():
        print(f"GET /api/tasks {name}: median {seconds * 1000:.1f} ms")
    assert per_task < 0.25
    for name, seconds in numbers.items():
        assert seconds < (0.5 if name.startswith("limit=500") else 0.1), name
