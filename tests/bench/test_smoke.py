"""CI smoke test of the benchmark command: it runs on a small size and prints every figure.

Not a timed test: the figures depend on the machine. It checks that `python -m benchmarks
--size small` starts the installed server, measures, and reports each figure with a target.
The Python load generator is forced so the check does not depend on `wrk` being installed.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = (
    "refresh, 20 VMs",
    "GET /api/vms, 20 VMs",
    "GET /api/vms/categorized, 20 VMs",
    "WebSocket fan-out, 10 subscribers",
    "task spawn",
    "resident memory, 20 VMs + 100 stored tasks",
    "cold start",
    "Orchard refresh, 100 VMs on 5 workers",
)


@pytest.mark.timeout(180)
def test_benchmark_runs_on_the_small_size(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TARTVM_", "TART_SIM_"))}
    command = [sys.executable, "-m", "benchmarks", "--size", "small", "--loadgen", "python"]
    result = subprocess.run(
        [*command, "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    names = [figure["name"] for figure in figures]
    for expected in EXPECTED:
        matching = [f for f in figures if f["name"].startswith(expected)]
        assert matching, f"{expected!r} missing from {names}"
        assert all(not math.isnan(f["value"]) for f in matching), matching
    judged = [f for f in figures if f["target"] and not math.isnan(f["value"])]
    assert len(judged) >= 6 and all(f["met"] in (True, False) for f in judged)
    for figure in figures:
        assert figure["name"] in result.stdout
    (orchard,) = [f for f in figures if f["name"].startswith("Orchard refresh")]
    assert orchard["met"] is True, orchard  # a count, not a time: one GET /v1/vms per refresh
    assert "python" in result.stdout  # the load generator it used is named in the notes
