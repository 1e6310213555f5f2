"""Shared fixtures: environment isolation and a real server against tart-sim."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import ServerProcess


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own settings, Tart state or home folder."""
    for key in list(os.environ):
        if key.startswith(("TARTVM_", "TART_SIM_")) or key in ("TART_HOME",):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TART_HOME", str(tmp_path / "default-tart-home"))


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[type[ServerProcess]]:
    """Start servers with `server_factory(...)`; all are stopped, and their VMs too, after."""
    started: list[ServerProcess] = []

    def make(**kwargs: object) -> ServerProcess:
        root = kwargs.pop("root", None) or tmp_path / f"server{len(started)}"
        server = ServerProcess(root=Path(str(root)), **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in started:
        server.stop()
        server.stop_vms()


@pytest.fixture
def server(server_factory) -> ServerProcess:  # type: ignore[no-untyped-def]
    """A running server with an empty Tart home."""
    return server_factory().start()


CHILD = """
import signal, sys, time
if sys.argv[1] == "ignore-sigint":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


@pytest.fixture
def spawn() -> Iterator[object]:
    """Start a child that sleeps, like a hung `tart` (args become its argv tail), leading its
    own session unless `session=False`; every child is killed after the test."""
    children: list[subprocess.Popen[bytes]] = []

    def start(*args: str, mode: str = "normal", session: bool = True) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, mode, *args],
            stdout=subprocess.PIPE,
            start_new_session=session,
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main
    thread for as long as its session-scoped browser lives, and `asyncio.run` in any later
    test would then fail. Under pytest-xdist (`--dist loadfile`) files are handed out in this
    order, so each worker too gets its browser files after all its others."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
