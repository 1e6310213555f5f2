"""Fixtures for the task engine's unit tests: a SQLite store in a temporary folder, and
throw-away child processes standing in for `tart` children."""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from taartenfabriek.core import procs
from taartenfabriek.tasks.sqlite import SQLiteTaskStore


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteTaskStore]:
    opened = SQLiteTaskStore.open(tmp_path / "tasks.sqlite3")
    yield opened
    await opened.close()


def wait_until_gone(child: subprocess.Popen[bytes], timeout: float = 5) -> int | None:
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


def alive(pid: int) -> bool:
    return procs.identity(pid) is not None


def eventually(check: object, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False
