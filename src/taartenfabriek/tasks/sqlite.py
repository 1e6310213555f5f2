"""The durable task store: SQLite in the state folder, written from one thread.

Every write runs on a single worker thread, in the order it was submitted, each in its own
transaction; `synchronous=FULL` in WAL mode means a committed write survives a crash of the
server (and of the machine). Logs live in their own table, one row per line, so a log flush
appends a few rows instead of rewriting the whole log, and trimming to the tail is one DELETE.
The schema carries a version (`PRAGMA user_version`); `MIGRATIONS[n]` takes version n to n+1.

A lock file next to the database makes a second server on the same state folder refuse to
start: its crash recovery would otherwise fail the first server's running tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import sqlite3
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..core import procs
from ..core.errors import StorageError
from ..core.models import Task
from .store import MAX_LOG_LINES, ProcessRecord

T = TypeVar("T")

MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE tasks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order: history pages by it
        id TEXT NOT NULL UNIQUE,
        action TEXT NOT NULL,
        status TEXT NOT NULL,
        vm TEXT COLLATE NOCASE,                 -- Tart's names are case-insensitive
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        log_count INTEGER NOT NULL DEFAULT 0,   -- lines ever logged; numbers the next line
        body TEXT NOT NULL                      -- the Task as JSON, without its logs
    );
    CREATE INDEX tasks_by_vm ON tasks (vm, seq);
    CREATE INDEX tasks_by_created ON tasks (created_at);
    CREATE INDEX tasks_unfinished ON tasks (status) WHERE status IN ('pending', 'running');
    CREATE TABLE task_logs (
        task_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        line TEXT NOT NULL,
        PRIMARY KEY (task_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE task_processes (
        task_id TEXT NOT NULL,
        pid INTEGER NOT NULL,
        start TEXT NOT NULL,
        args TEXT NOT NULL,                     -- JSON list: tart's arguments
        PRIMARY KEY (task_id, pid)
    );
    """,
]

UNFINISHED = "status IN ('pending', 'running')"


def schema_version() -> int:
    return len(MIGRATIONS)


class SQLiteTaskStore:
    """`TaskStore` on SQLite; build it with `open` (synchronous, so start-up fails early)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: int, max_log_lines: int) -> None:
        self.path = path
        self.max_log_lines = max_log_lines
        self._conn = conn
        self._lock = lock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-store")
        self._closed = False
        # An app built but never run (e.g. only for its OpenAPI schema) never closes us.
        self._release = weakref.finalize(self, _release, conn, lock)
        self._sync_mode = "FULL"

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, max_log_lines: int = MAX_LOG_LINES) -> SQLiteTaskStore:
        """Open (creating or migrating) the database; StorageError says why it cannot be."""
        return cls(path, *_open(path), max_log_lines)

    def reopen(self) -> None:
        """Open again after `close` (an app whose lifespan runs twice, as test clients do)."""
        if not self._closed:
            return
        self._conn, self._lock = _open(self.path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-store")
        self._sync_mode = "FULL"
        self._release = weakref.finalize(self, _release, self._conn, self._lock)
        self._closed = False

    # --- plumbing --------------------------------------------------------------------------

    def _submit(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        if self._closed:
            future: asyncio.Future[T] = loop.create_future()
            future.set_exception(StorageError(f"the task history {self.path} is closed"))
            return future
        return loop.run_in_executor(self._executor, self._guarded, fn)

    def _guarded(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self._conn)
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                if self._conn.in_transaction:
                    self._conn.rollback()
            raise StorageError(f"cannot write the task history {self.path}: {exc}") from exc

    # --- writes ----------------------------------------------------------------------------

    def save(
        self, task: Task, new_logs: Sequence[str] = (), *, done: bool = False, sync: bool = True
    ) -> Awaitable[None]:
        # Serialised now, in the caller's thread: the task keeps changing after we return.
        body = task.model_dump_json(exclude={"logs"})
        row = (task.id, task.action, task.status, task.vm, task.created_at, task.updated_at, body)
        lines = list(new_logs[-self.max_log_lines :])
        skipped = len(new_logs) - len(lines)

        def write(conn: sqlite3.Connection) -> None:
            self._synchronous(conn, "FULL" if sync else "NORMAL")
            with conn:
                conn.execute(
                    "INSERT INTO tasks (id, action, status, vm, created_at, updated_at, body) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                    "action = excluded.action, status = excluded.status, vm = excluded.vm, "
                    "updated_at = excluded.updated_at, body = excluded.body",
                    row,
                )
                if lines or skipped:
                    self._append(conn, task.id, lines, skipped)
                if done:
                    conn.execute("DELETE FROM task_processes WHERE task_id = ?", (task.id,))

        return self._submit(write)

    def _synchronous(self, conn: sqlite3.Connection, mode: str) -> None:
        """FULL: fsync at every commit. NORMAL (WAL): commits reach the OS at once, so they
        survive a crash of this process, and are fsynced with the next FULL commit."""
        if mode != self._sync_mode:
            conn.execute(f"PRAGMA synchronous = {mode}")
            self._sync_mode = mode

    def _append(
        self, conn: sqlite3.Connection, task_id: str, lines: list[str], skipped: int
    ) -> None:
        (count,) = conn.execute("SELECT log_count FROM tasks WHERE id = ?", (task_id,)).fetchone()
        first = count + skipped + 1
        conn.executemany(
            "INSERT OR REPLACE INTO task_logs (task_id, seq, line) VALUES (?, ?, ?)",
            [(task_id, first + i, line) for i, line in enumerate(lines)],
        )
        total = count + skipped + len(lines)
        conn.execute("UPDATE tasks SET log_count = ? WHERE id = ?", (total, task_id))
        if total > self.max_log_lines:
            conn.execute(
                "DELETE FROM task_logs WHERE task_id = ? AND seq <= ?",
                (task_id, total - self.max_log_lines),
            )

    def add_process(self, task_id: str, pid: int, args: Sequence[str]) -> Awaitable[None]:
        arguments = json.dumps(list(args))

        def write(conn: sqlite3.Connection) -> None:
            # Read here, off the event loop: on macOS this runs `ps`.
            ident = procs.identity(pid)
            if ident is None:
                return  # already gone: nothing to end after a crash
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO task_processes (task_id, pid, start, args) "
                    "VALUES (?, ?, ?, ?)",
                    (task_id, pid, ident.start, arguments),
                )

        return self._submit(write)

    async def forget_processes(self, records: Sequence[ProcessRecord]) -> None:
        keys = [(record.task_id, record.pid) for record in records]

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany("DELETE FROM task_processes WHERE task_id = ? AND pid = ?", keys)

        await self._submit(write)

    async def prune(self, *, keep: int, max_age: float | None) -> int:
        def write(conn: sqlite3.Connection) -> int:
            doomed: list[str] = []
            if keep > 0:
                doomed += [
                    row[0]
                    for row in conn.execute(
                        f"SELECT id FROM tasks WHERE seq <= (SELECT seq FROM tasks ORDER BY seq "
                        f"DESC LIMIT 1 OFFSET ?) AND NOT {UNFINISHED}",
                        (keep,),
                    )
                ]
            if max_age is not None:
                doomed += [
                    row[0]
                    for row in conn.execute(
                        f"SELECT id FROM tasks WHERE created_at < ? AND NOT {UNFINISHED}",
                        (time.time() - max_age,),
                    )
                ]
            ids = [(task_id,) for task_id in set(doomed)]
            with conn:
                for table, column in (
                    ("task_logs", "task_id"),
                    ("task_processes", "task_id"),
                    ("tasks", "id"),
                ):
                    conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", ids)
            return len(ids)

        return await self._submit(write)

    # --- reads -----------------------------------------------------------------------------

    @staticmethod
    def _task(conn: sqlite3.Connection, task_id: str, body: str, tail: int | None) -> Task:
        """The task from its row; `tail` limits its log to the last lines (None: all)."""
        task = Task.model_validate_json(body)
        if tail is None:
            rows = conn.execute(
                "SELECT line FROM task_logs WHERE task_id = ? ORDER BY seq", (task_id,)
            )
            task.logs = [row[0] for row in rows]
        elif tail > 0:
            rows = conn.execute(
                "SELECT line FROM task_logs WHERE task_id = ? ORDER BY seq DESC LIMIT ?",
                (task_id, tail),
            )
            task.logs = [row[0] for row in rows][::-1]
        return task

    async def get(self, task_id: str) -> Task | None:
        def read(conn: sqlite3.Connection) -> Task | None:
            row = conn.execute("SELECT body FROM tasks WHERE id = ?", (task_id,)).fetchone()
            return None if row is None else self._task(conn, task_id, row[0], None)

        return await self._submit(read)

    async def active(self) -> list[Task]:
        def read(conn: sqlite3.Connection) -> list[Task]:
            rows = conn.execute(f"SELECT id, body FROM tasks WHERE {UNFINISHED} ORDER BY seq")
            return [self._task(conn, task_id, body, None) for task_id, body in rows.fetchall()]

        return await self._submit(read)

    async def history(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        vm: str | None = None,
        log_tail: int | None = None,
    ) -> list[Task]:
        where, args = ("WHERE vm = ?", [vm]) if vm is not None else ("", [])

        def read(conn: sqlite3.Connection) -> list[Task]:
            rows = conn.execute(
                f"SELECT id, body FROM tasks {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
            return [self._task(conn, task_id, body, log_tail) for task_id, body in rows]

        return await self._submit(read)

    async def count(self, vm: str | None = None) -> int:
        def read(conn: sqlite3.Connection) -> int:
            if vm is None:
                row = conn.execute("SELECT COUNT(*) FROM tasks").fetchone()
            else:
                row = conn.execute("SELECT COUNT(*) FROM tasks WHERE vm = ?", (vm,)).fetchone()
            return int(row[0])

        return await self._submit(read)

    async def processes(self) -> list[ProcessRecord]:
        def read(conn: sqlite3.Connection) -> list[ProcessRecord]:
            rows = conn.execute("SELECT task_id, pid, start, args FROM task_processes")
            return [
                ProcessRecord(task_id, pid, start, tuple(json.loads(args)))
                for task_id, pid, start, args in rows.fetchall()
            ]

        return await self._submit(read)

    # --- closing ---------------------------------------------------------------------------

    async def close(self) -> None:
        if self._closed:
            return

        def finish(conn: sqlite3.Connection) -> None:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()

        with contextlib.suppress(StorageError):
            await self._submit(finish)
        self._closed = True
        self._executor.shutdown(wait=True)
        self._release.detach()
        os.close(self._lock)


def _release(conn: sqlite3.Connection, lock: int) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.close()
    with contextlib.suppress(OSError):
        os.close(lock)


def _open(path: Path) -> tuple[sqlite3.Connection, int]:
    lock = _take_lock(path.with_name(path.name + ".lock"))
    try:
        return _connect(path), lock
    except BaseException:
        os.close(lock)
        raise


def _take_lock(path: Path) -> int:
    """The lock file's descriptor, flocked for the life of the store."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot use the state folder {path.parent}: {_why(exc)}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise StorageError(
            f"another taartenfabriek server is already using the state folder {path.parent}; "
            "stop it first, or give this one another folder (--home / TARTVM_HOME)"
        ) from exc
    return fd


def _connect(path: Path) -> sqlite3.Connection:
    if path.is_dir():
        raise StorageError(f"cannot open the task history {path}: it is a folder, not a file")
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the task history {path}: {exc}") from exc
    try:
        _prepare(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StorageError(f"the task history {path} cannot use write-ahead logging")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > schema_version():
            raise StorageError(
                f"the task history {path} was written by a newer version of taartenfabriek "
                f"(schema {version}, this one knows up to {schema_version()}); upgrade, or "
                "move the file away to start a new history"
            )
        conn.isolation_level = "DEFERRED"  # `with conn` now opens and commits transactions
        for number in range(version, schema_version()):
            with conn:
                conn.executescript(f"BEGIN; {MIGRATIONS[number]}")
                conn.execute(f"PRAGMA user_version = {number + 1}")
        # Prove now, not at the first task, that we can write here.
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_by_pid', ?)",
                (str(os.getpid()),),
            )
    except sqlite3.Error as exc:
        raise StorageError(f"cannot use the task history {path}: {exc}") from exc


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
