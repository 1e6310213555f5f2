"""An unusable state folder stops the server at start with a clear message and a non-zero exit,
before it takes any work it could not record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server import ServerProcess, free_port, write_tart_shim

pytestmark = pytest.mark.integration


def serve(server: ServerProcess) -> subprocess.CompletedProcess[str]:
    write_tart_shim(server.tart_path.parent)
    return subprocess.run(
        [sys.executable, "-m", "taartenfabriek", "serve", "--port", str(free_port())],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_home_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    server = ServerProcess(
        root=tmp_path, env_overrides={"TARTVM_HOME": str(tmp_path / "a-file" / "state")}
    )
    result = serve(server)
    assert result.returncode == 1
    assert "Cannot start: cannot use the state folder" in result.stderr
    assert "Not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_task_history_that_cannot_be_opened(tmp_path: Path) -> None:
    server = ServerProcess(root=tmp_path)
    (server.home / "tasks.sqlite3").mkdir(parents=True)
    result = serve(server)
    assert result.returncode == 1
    assert (
        f"Cannot start: cannot open the task history {server.home / 'tasks.sqlite3'}"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_task_history_that_is_not_a_database(tmp_path: Path) -> None:
    server = ServerProcess(root=tmp_path)
    server.home.mkdir(parents=True)
    (server.home / "tasks.sqlite3").write_bytes(b"garbage" * 1000)
    result = serve(server)
    assert result.returncode == 1
    assert "Cannot start: cannot use the task history" in result.stderr
    assert "not a database" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_read_only_home(tmp_path: Path) -> None:
    server = ServerProcess(root=tmp_path)
    server.home.mkdir(parents=True, mode=0o500)
    try:
        result = serve(server)
    finally:
        server.home.chmod(0o700)
    assert result.returncode == 1
    assert "Cannot start:" in result.stderr and str(server.home) in result.stderr


def test_a_second_server_on_the_same_folder_is_refused(server_factory) -> None:  # type: ignore[no-untyped-def]
    first = server_factory().start()
    second = ServerProcess(root=first.root)
    result = serve(second)
    assert result.returncode == 1
    assert "another taartenfabriek server is already using the state folder" in result.stderr
    with first.client() as client:
        assert client.get("/api/health").status_code == 200  # the first one is unharmed
