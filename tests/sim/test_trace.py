"""TART_SIM_TRACE: timestamped invocation and output records for tests and benchmarks."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.simtools import TartSim


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], text)


def _records(path: Path) -> list[tuple[float, int, str, str]]:
    records = []
    for raw in path.read_text().splitlines():
        stamp, pid, kind, text = raw.split("\t", 3)
        records.append((float(stamp), int(pid), kind, text))
    return records


def test_trace_records_invocations_and_lines_on_the_callers_clock(
    tart_sim: TartSim, tmp_path: Path
) -> None:
    trace = tmp_path / "trace.log"
    env = dict(tart_sim.env, TART_SIM_TRACE=str(trace), CI="1")
    before = time.time()
    assert tart_sim.run("pull", "ghcr.io/cirruslabs/ubuntu:latest", env=env).returncode == 0
    assert tart_sim.run("get", "missing", env=env).returncode != 0
    after = time.time()
    records = _records(trace)
    starts = [r for r in records if r[2] == "start"]
    assert [r[3] for r in starts] == ["pull ghcr.io/cirruslabs/ubuntu:latest", "get missing"]
    assert all(before <= r[0] <= after for r in records)
    assert [r[0] for r in records] == sorted(r[0] for r in records)
    pull_pid = starts[0][1]
    pull_lines = [r[3] for r in records if r[1] == pull_pid and r[2] == "out"]
    assert pull_lines[0] == "pulling ghcr.io/cirruslabs/ubuntu:latest..."
    assert "0%" in pull_lines and "100%" in pull_lines
    get_errors = [r for r in records if r[1] == starts[1][1] and r[2] == "err"]
    assert len(get_errors) == 1 and "does not exist" in get_errors[0][3]


def test_no_trace_without_the_knob(tart_sim: TartSim, tmp_path: Path) -> None:
    assert tart_sim.run("list").returncode == 0
    assert list(tmp_path.glob("**/*trace*")) == []


def test_multi_line_output_is_one_escaped_record(tart_sim: TartSim, tmp_path: Path) -> None:
    trace = tmp_path / "trace.log"
    tart_sim.seed_vm("a")
    tart_sim.seed_vm("b")
    env = dict(tart_sim.env, TART_SIM_TRACE=str(trace))
    result = tart_sim.run("list", "--format", "json", env=env)
    outputs = [r for r in _records(trace) if r[2] == "out"]
    assert len(outputs) == 1
    assert _unescape(outputs[0][3]) == result.stdout.rstrip("\n")


def test_long_output_is_cut(tart_sim: TartSim, tmp_path: Path) -> None:
    trace = tmp_path / "trace.log"
    for index in range(20):
        tart_sim.seed_vm(f"vm-{index}")
    env = dict(tart_sim.env, TART_SIM_TRACE=str(trace))
    printed = len(tart_sim.run("list", "--format", "json", env=env).stdout.rstrip("\n"))
    assert printed > 1000
    (output,) = [r for r in _records(trace) if r[2] == "out"]
    assert output[3].endswith(f"[+{printed - 1000} chars]")
