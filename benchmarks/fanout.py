"""WebSocket fan-out: delay from a `tart` output line to the last of N subscribers.

How it is timed, end to end and on one clock (`time.time()`):
- the line's birth: tart-sim's TART_SIM_TRACE records each line right after it was flushed
  into the pipe the server reads;
- its arrival: each subscriber process stamps a message when its WebSocket delivers it, and
  later works out which log lines that snapshot added.
A line's fan-out delay is its arrival at the *last* subscriber minus its birth; the figure
is the median and p99 of that over the lines of one `tart pull`.

To have every subscriber listening before the first counted line, the benchmark holds
Tart's per-registry pull lock (`flock` on `cache/OCIs/<host>`) while they connect: `tart
pull` prints `waiting for lock...` and goes on when the lock is released. Only lines born
after the release are counted. Subscribers run in several processes (25 sockets each);
their own scheduling delay on a busy machine is part of the figure.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .harness import Server, loadavg, median, percentile, proc_cpu_seconds
from .report import Figure

TARGET_P99_MS = 50.0
PER_PROCESS = 25
_serial = 0


@contextlib.contextmanager
def pull_lock(tart_home: Path, host: str) -> Iterator[list[float]]:
    """Hold Tart's pull lock of `host`; yields a list that receives the release time."""
    path = tart_home / "cache" / "OCIs" / host
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY)
    released: list[float] = []
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield released
    finally:
        released.append(time.time())
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _spawn_clients(url: str, subscribers: int) -> list[subprocess.Popen[str]]:
    clients = []
    remaining = subscribers
    while remaining > 0:
        count = min(PER_PROCESS, remaining)
        remaining -= count
        clients.append(
            subprocess.Popen(
                [sys.executable, "-m", "benchmarks.wsclient", url, "--count", str(count)],
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    return clients


def run_once(server: Server, subscribers: int, timeout: float = 120) -> dict[str, Any]:
    global _serial
    _serial += 1
    sim = server.sim
    reference = f"ghcr.io/cirruslabs/ubuntu:fanout-{subscribers}-{_serial}"
    sim.clear_trace()
    clients: list[subprocess.Popen[str]] = []
    try:
        with pull_lock(sim.home, "ghcr.io") as released:
            with server.client() as client:
                response = client.post("/api/vms/pull", json={"oci_url": reference})
                response.raise_for_status()
                task_id = response.json()["id"]
            url = f"ws://127.0.0.1:{server.port}/ws/tasks/{task_id}?token={server.token}"
            clients = _spawn_clients(url, subscribers)
            for child in clients:
                assert child.stdout is not None
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError("a subscriber process failed to connect")
            cpu_before = proc_cpu_seconds(server.pid)
        release = released[0]
        results: list[list[tuple[float, list[str]]]] = []
        for child in clients:
            out, _ = child.communicate(timeout=timeout)
            results += json.loads(out)
        cpu = proc_cpu_seconds(server.pid) - cpu_before
    finally:
        for child in clients:
            if child.poll() is None:
                child.kill()
                child.wait()
    task = server.wait_task(task_id)
    if task["status"] != "completed":
        raise RuntimeError(f"the pull failed: {task.get('error')}")
    messages = sum(len(one) for one in results)
    return {
        "release": release,
        "reference": reference,
        "subscribers": results,
        "cpu_per_message": cpu / messages if messages else float("nan"),
    }


def _born(server: Server, reference: str, release: float) -> dict[str, float]:
    """Lines `tart pull <reference>` printed after `release`, with their birth times."""
    records = server.sim.trace_records()
    argv = f"pull {reference}"
    pids = {pid for _, pid, kind, text in records if kind == "start" and text == argv}
    born: dict[str, float] = {}
    for stamp, pid, kind, text in records:
        if pid in pids and kind in ("out", "err") and stamp >= release and text not in born:
            born[text] = stamp
    return born


def measure(server: Server, subscribers: int, reps: int) -> Figure:
    last_delays: list[float] = []
    all_delays: list[float] = []
    missing = 0
    loads: list[str] = []
    cpu_per_message: list[float] = []
    for _ in range(reps):
        run = run_once(server, subscribers)
        cpu_per_message.append(run["cpu_per_message"])
        born = _born(server, run["reference"], run["release"])
        arrivals: list[dict[str, float]] = []
        for messages in run["subscribers"]:
            seen: dict[str, float] = {}
            for received, lines in messages:
                for line in lines:
                    seen.setdefault(line, received)
            arrivals.append(seen)
        for line, birth in born.items():
            delays = [seen[line] - birth for seen in arrivals if line in seen]
            missing += len(arrivals) - len(delays)
            if delays:
                last_delays.append(max(delays))
                all_delays += delays
        loads.append(loadavg())
    p99 = percentile(last_delays, 99) * 1000
    return Figure(
        name=f"WebSocket fan-out, {subscribers} subscribers: p99",
        value=p99,
        unit="ms",
        baseline=(
            f"median {median(last_delays) * 1000:.1f} ms over {len(last_delays)} lines "
            f"(each: its last subscriber)"
        ),
        target=f"p99 <= {TARGET_P99_MS:g} ms" if subscribers >= 200 else "",
        met=(p99 <= TARGET_P99_MS and missing == 0) if subscribers >= 200 else None,
        load=f"{min(loads)}-{max(loads)}" if loads else "",
        notes=[
            f"{reps} pull(s); every delivery (line x subscriber): median "
            f"{median(all_delays) * 1000:.1f} ms, p99 {percentile(all_delays, 99) * 1000:.1f} ms"
            + (f"; {missing} deliveries MISSING" if missing else "; none missing")
            + f"; server CPU {median(cpu_per_message) * 1e6:.0f} us per message sent"
        ]
        if not math.isnan(p99)
        else ["no lines measured"],
    )
