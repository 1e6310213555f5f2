"""Task start latency: from sending `POST /api/vms/{name}/start` to `tart run` running.

"Running" is the first thing tart-sim does in `main` (its TART_SIM_TRACE `start` record),
which comes after the interpreter has started: that part is not the server's doing. So the
benchmark also measures its baseline, a bare `subprocess.Popen` of the same shim from this
process to the same record, and the figure is the difference: what the server adds between
the request and the exec of `tart`.
"""

from __future__ import annotations

import subprocess
import time

import httpx

from .harness import Server, loadavg, median
from .report import Figure

TARGET_MS = 20.0


def _trace_start(server: Server, first: str, last: str, timeout: float = 30) -> float:
    """Time of the first `start` record whose argv begins with `first` and ends with `last`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for stamp, _pid, kind, text in server.sim.trace_records():
            if kind == "start" and text.startswith(first) and text.endswith(last):
                return stamp
        time.sleep(0.01)
    raise RuntimeError(f"tart {first} ... {last} never started")


def baseline_once(server: Server) -> float:
    """Seconds from Popen of the shim to tart-sim's `start` record (no server involved)."""
    server.sim.clear_trace()
    sent = time.time()
    child = subprocess.Popen(
        [str(server.sim.tart), "--version"],
        env=server.sim.env(trace=True),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child.wait()
    return _trace_start(server, "--version", "--version") - sent


def start_once(server: Server, client: httpx.Client, name: str) -> float:
    """Seconds from sending the start request (on a warm connection) to `tart run` running."""
    server.sim.clear_trace()
    client.get("/api/health").raise_for_status()
    sent = time.time()
    response = client.post(f"/api/vms/{name}/start")
    response.raise_for_status()
    spawned = _trace_start(server, "run ", f" {name}") - sent
    task = server.wait_task(response.json()["id"])
    if task["status"] != "completed":
        raise RuntimeError(f"start of {name} failed: {task.get('error')}")
    server.sim.run("stop", "--timeout", "1", name)
    server.wait_idle()
    return spawned


def measure(server: Server, stopped: list[str], reps: int) -> Figure:
    server.wait_idle()
    starts: list[float] = []
    bases: list[float] = []
    loads: list[str] = []
    with server.client() as client:
        for rep in range(reps):
            bases.append(baseline_once(server))
            starts.append(start_once(server, client, stopped[rep % len(stopped)]))
            loads.append(loadavg())
            time.sleep(0.2)
    value = median([(s - b) * 1000 for s, b in zip(starts, bases, strict=True)])
    return Figure(
        name="task spawn: POST start -> tart run, minus baseline",
        value=value,
        unit="ms",
        baseline=(
            f"request->tart {median(starts) * 1000:.1f} ms; "
            f"Popen->tart {median(bases) * 1000:.1f} ms"
        ),
        target=f"<= {TARGET_MS:g} ms",
        met=value <= TARGET_MS,
        load=f"{min(loads)}-{max(loads)}",
        notes=[
            f"median of {reps} paired differences (each start right after its baseline); "
            "request->tart samples (ms): " + ", ".join(f"{s * 1000:.0f}" for s in starts)
        ],
    )
