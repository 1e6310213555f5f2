"""Fixtures for the task engine's unit tests: a SQLite store in a temporary folder, and
throw-away child processes standing in for `tart` children."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from taartenfabriek import procs
from taartenfabriek.tasks.sqlite import SQLiteTaskStore


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteTaskStore]:
    opened = SQLiteTaskStore.open(tmp_path / "tasks.sqlite3")
    yield opened
    await opened.close()


CHILD = """
import signal, sys, time
if sys.argv[1] == "ignore-sigint":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


@pytest.fixture
def spawn() -> Iterator[object]:
    """Start a session-leading child that sleeps, like a hung `tart` (args become its argv
    tail); every child is killed after the test."""
    children: list[subprocess.Popen[bytes]] = []

    def start(*args: str, mode: str = "normal") -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, mode, *args],
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        children.append(child)
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


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
