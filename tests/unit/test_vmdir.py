"""tart/vmdir.py: a VM's state read from TART_HOME as Tart defines it (tart-cli.md §3).

The lock is held by a real other process (POSIX locks are per process: F_GETLK never reports
the asking process's own locks), the way `tart run` holds it.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taartenfabriek.sim.seed import seed_vm
from taartenfabriek.tart import vmdir

HOLD = """
import fcntl, sys
fd = open(sys.argv[1], "r+")
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def _holder(config: Path) -> Iterator[subprocess.Popen[str]]:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None and process.stdout.readline() == "locked\n"
            yield process
        finally:
            process.kill()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    seed_vm(tmp_path, "box", os_name="linux")
    seed_vm(tmp_path, "mac", os_name="darwin")
    return tmp_path


@pytest.fixture
def held(home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the write lock of `box`'s config.json, like `tart run`."""
    with _holder(home / "vms" / "box" / "config.json") as process:
        yield process


def test_a_stopped_vm(home: Path) -> None:
    assert vmdir.read(home, "box") == vmdir.OnDisk(state="stopped", os="linux")
    assert vmdir.read(home, "mac") == vmdir.OnDisk(state="stopped", os="darwin")
    assert vmdir.lock_holder(home / "vms" / "box" / "config.json") == 0


def test_a_lock_held_by_another_process_is_running(home: Path, held: subprocess.Popen[str]) -> None:
    assert vmdir.read(home, "box") == vmdir.OnDisk(state="running", os="linux")
    assert vmdir.lock_holder(home / "vms" / "box" / "config.json") == held.pid
    assert vmdir.read(home, "mac") == vmdir.OnDisk(state="stopped", os="darwin")


def test_the_lock_goes_with_its_process(home: Path, held: subprocess.Popen[str]) -> None:
    held.kill()
    held.wait()
    assert vmdir.read(home, "box") == vmdir.OnDisk(state="stopped", os="linux")


def test_asking_takes_no_lock(home: Path) -> None:
    """Reading must never make a concurrent `tart run` fail as "already running"."""
    config = home / "vms" / "box" / "config.json"
    for _ in range(3):
        vmdir.read(home, "box")
    with _holder(config) as process:  # a later `tart run` takes it
        assert vmdir.lock_holder(config) == process.pid


def test_a_saved_snapshot_is_suspended(home: Path) -> None:
    (home / "vms" / "mac" / "state.vzvmsave").write_bytes(b"x")
    assert vmdir.read(home, "mac") == vmdir.OnDisk(state="suspended", os="darwin")


def test_os_is_darwin_when_config_json_has_none(home: Path) -> None:
    config = home / "vms" / "box" / "config.json"
    raw = json.loads(config.read_text())
    del raw["os"]
    config.write_text(json.dumps(raw))
    assert vmdir.read(home, "box") == vmdir.OnDisk(state="stopped", os="darwin")


@pytest.mark.parametrize("missing", vmdir.FILES)
def test_a_vm_missing_one_of_its_files_is_not_read(home: Path, missing: str) -> None:
    """Tart ignores such a directory; whether the VM exists is then tart's to say."""
    (home / "vms" / "box" / missing).unlink()
    assert vmdir.read(home, "box") is None


@pytest.mark.parametrize("content", ["{not json", "[]", '{"os": "windows"}'])
def test_an_unreadable_config_is_not_guessed(home: Path, content: str) -> None:
    (home / "vms" / "box" / "config.json").write_text(content)
    assert vmdir.read(home, "box") is None


@pytest.mark.parametrize("name", ["", ".", "..", "ghcr.io/cirruslabs/macos:latest", "a\0b"])
def test_names_that_are_not_local_vm_folders(home: Path, name: str) -> None:
    assert vmdir.read(home, name) is None


def test_an_unknown_vm_or_home(home: Path) -> None:
    assert vmdir.read(home, "nope") is None
    assert vmdir.read(home / "elsewhere", "box") is None
