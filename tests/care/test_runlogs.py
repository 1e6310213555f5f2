"""Run logs: one file per `tart run`, a sidecar, rotation, tail reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taartenfabriek.care.runlogs import MAX_TAIL_BYTES, RunLogs, folder_name, read_tail
from taartenfabriek.core.errors import NotFound


def test_each_run_gets_its_own_file_and_sidecar(tmp_path: Path) -> None:
    logs = RunLogs(tmp_path)
    first = logs.new_run("dev", ["/bin/tart", "run", "--vnc", "--no-graphics", "dev"])
    second = logs.new_run("dev", ["/bin/tart", "run", "--no-graphics", "dev"])
    assert first != second and first.exists() and second.exists()
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    logs.record_pid(second, 4242)
    logs.record_exit(first, 0)
    runs = logs.runs("dev")
    assert [r.path for r in runs] == [second, first]  # newest first
    assert runs[0].pid == 4242 and runs[0].ended_at is None
    assert runs[0].flags == ["--no-graphics"]
    assert runs[1].exit_code == 0 and runs[1].ended_at is not None
    assert runs[1].flags == ["--vnc", "--no-graphics"]
    assert logs.latest("dev") == runs[0]
    assert logs.get("dev", "latest") == runs[0]
    assert logs.get("dev", runs[1].id).path == first
    sidecar = json.loads(first.with_suffix(".json").read_text())
    assert sidecar["vm"] == "dev" and sidecar["exit_code"] == 0


def test_rotation_keeps_the_newest_runs_with_their_sidecars(tmp_path: Path) -> None:
    logs = RunLogs(tmp_path, kept=3)
    paths = [logs.new_run("dev", ["tart", "run", "dev"]) for _ in range(5)]
    kept = [r.path for r in logs.runs("dev")]
    assert kept == list(reversed(paths[-3:]))
    assert sorted(p.name for p in (tmp_path / "dev").iterdir()) == sorted(
        name for p in paths[-3:] for name in (p.name, p.with_suffix(".json").name)
    )


def test_unknown_runs_and_odd_names(tmp_path: Path) -> None:
    logs = RunLogs(tmp_path)
    assert logs.runs("nothing") == [] and logs.latest("nothing") is None
    with pytest.raises(NotFound):
        logs.get("nothing", "latest")
    logs.new_run("dev", ["tart", "run", "dev"])
    for bad in ("../dev", "..", "20260101T000000-000/../x", "x"):
        with pytest.raises(NotFound):
            logs.get("dev", bad)
    assert folder_name("..") == "_.._" and folder_name("a/b c") == "a_b_c"
    assert logs.folder("..").parent == tmp_path


def test_logs_written_before_sidecars_still_list(tmp_path: Path) -> None:
    folder = tmp_path / "dev"
    folder.mkdir()
    (folder / "20260101T101010.log").write_text("old\n")
    (run,) = RunLogs(tmp_path).runs("dev")
    assert run.id == "20260101T101010" and run.started_at is not None and run.argv == []


def test_read_tail_limits_lines_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text("".join(f"line {i}\n" for i in range(1000)))
    text, cut = read_tail(path, lines=3)
    assert text == "line 997\nline 998\nline 999\n" and cut
    text, cut = read_tail(path, lines=5000)
    assert text.count("\n") == 1000 and not cut
    path.write_bytes(b"x" * 10 + b"\n" + b"y" * (MAX_TAIL_BYTES + 5) + b"\nlast\n")
    text, cut = read_tail(path, lines=10)
    assert cut and text == "last\n"
    assert read_tail(tmp_path / "missing.log") == ("", False)


def test_run_ids_only_grow_even_when_the_clock_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    logs = RunLogs(tmp_path, kept=2)
    first = logs.new_run("dev", ["tart", "run", "dev"])
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)  # years earlier
    later = [logs.new_run("dev", ["tart", "run", "dev"]) for _ in range(3)]
    assert first.stem < later[0].stem < later[1].stem < later[2].stem
    assert [r.path for r in logs.runs("dev")] == [later[2], later[1]]


def test_a_run_is_live_only_while_its_own_process_runs(tmp_path: Path) -> None:
    """The record of a start answers "is the VM's live `tart run` ours": the pid must still run
    the recorded argv, have started with the run, and the run must not have ended."""
    logs = RunLogs(tmp_path)
    args = ["run", "--no-graphics", "--suspendable", "dev"]
    code = "import time; time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", code, *args])
    try:
        path = logs.new_run("dev", ["tart", *args], {"display": "none", "suspendable": True})
        assert logs.live("dev") is None  # no pid yet
        logs.record_pid(path, child.pid)
        live = logs.live("dev")
        assert live is not None and live.pid == child.pid and live.suspendable
        assert live.options == {"display": "none", "suspendable": True}
        other = logs.new_run("dev", ["tart", "run", "--no-graphics", "dev"])
        logs.record_pid(other, child.pid)  # the pid runs other arguments
        assert logs.live("dev") is None
        logs.record_pid(other, os.getpid())
        assert logs.live("dev") is None
    finally:
        child.kill()
        child.wait()
    (latest, first) = logs.runs("dev")
    assert latest.options is None and not latest.suspendable
    assert not first.is_live()  # gone
