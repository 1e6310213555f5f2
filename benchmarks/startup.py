"""Cold start to the first answered request, and resident memory with many stored tasks.

Cold start runs the installed entry point (`.venv/bin/taartenfabriek serve`, not `uv run`)
on a state folder that already has its token (a second start, as a user sees it every day)
against the same TART_HOME, and polls `GET /api/health` every 5 ms. The server's own CPU
time at that moment is reported too: it does not depend on what else the machine runs.
"""

from __future__ import annotations

import time
from pathlib import Path

from .harness import (
    FAIL_HOST,
    Server,
    Sim,
    loadavg,
    median,
    proc_cpu_seconds,
    proc_rss_mb,
)
from .report import Figure

TARGET_COLD_S = 1.0
TARGET_RSS_MB = 150.0
FILL_WINDOW = 100


def cold_start(root: Path, sim: Sim, reps: int, vm_count: int) -> list[Figure]:
    server = Server(root=root, sim=sim)
    server.prepare_token()
    to_health: list[float] = []
    to_list: list[float] = []
    cpu: list[float] = []
    loads: list[str] = []
    for _ in range(reps):
        server.port = 0
        spawned = server.spawn()
        try:
            answered = server.wait_ready("/api/health")
            cpu.append(proc_cpu_seconds(server.pid))
            to_health.append(answered - spawned)
            to_list.append(server.wait_ready("/api/vms") - spawned)
        finally:
            server.stop()
        loads.append(loadavg())
        time.sleep(0.5)
    value = median(to_health)
    return [
        Figure(
            name="cold start -> first answer (GET /api/health)",
            value=value,
            unit="s",
            baseline=f"server CPU until then {median(cpu):.3f} s",
            target=f"<= {TARGET_COLD_S:g} s",
            met=value <= TARGET_COLD_S,
            load=f"{min(loads)}-{max(loads)}",
            notes=[
                f"median of {reps}: "
                + ", ".join(f"{s:.3f}" for s in to_health)
                + f" s; first GET /api/vms ({vm_count} VMs, after the first `tart list`) "
                f"at {median(to_list):.3f} s"
            ],
        )
    ]


def fill_tasks(server: Server, count: int) -> float:
    """Make `count` finished (failed) pull tasks; returns tasks per second."""
    started = time.perf_counter()
    submitted = 0
    with server.client() as client:
        while submitted < count:
            batch = min(FILL_WINDOW, count - submitted)
            for index in range(submitted, submitted + batch):
                client.post(
                    "/api/vms/pull", json={"oci_url": f"{FAIL_HOST}/bench/img:t{index}"}
                ).raise_for_status()
            submitted += batch
            server.wait_idle()
    return count / (time.perf_counter() - started)


def memory(server: Server, vm_count: int, tasks: int) -> Figure:
    before = proc_rss_mb(server.pid)
    rate = fill_tasks(server, tasks)
    with server.client() as client:
        listed = client.get("/api/tasks", params={"limit": 1}).json()
        if not listed or listed[0]["status"] != "failed":
            raise RuntimeError("the task history does not show the filled tasks")
        client.get("/api/vms").raise_for_status()
    after = proc_rss_mb(server.pid)
    return Figure(
        name=f"resident memory, {vm_count} VMs + {tasks:,} stored tasks",
        value=after,
        unit="MB",
        baseline=f"{before:.1f} MB before the tasks",
        target=f"<= {TARGET_RSS_MB:g} MB",
        met=after <= TARGET_RSS_MB,
        load=loadavg(),
        notes=[
            f"VmRSS from /proc; the tasks are failed pulls (a shell fast path of the "
            f"benchmark's tart shim, 3 log lines each), made at {rate:.0f} tasks/s"
        ],
    )
