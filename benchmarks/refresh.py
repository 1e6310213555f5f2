"""Full refresh (`POST /api/vms/refresh`) against its floor, measured in the same run.

Floor = median `tart list --format json` + median single `tart ip` (both run directly by the
benchmark with the same shim and TART_HOME). Also reported: the median wall time of one
round of N parallel `tart ip` calls run directly, which on a small machine costs more than a
single call (every simulated `tart` is a Python process), and of `tart list` plus that round
started together (what the server's refresh runs, without the server). Floor and refresh
samples are interleaved so that a change in the machine's load hits both alike.
"""

from __future__ import annotations

import subprocess
import time

from .harness import Server, Sim, loadavg, median, proc_cpu_seconds
from .report import Figure

TARGET_RATIO = 1.5


def ip_round(sim: Sim, names: list[str], *, with_list: bool = False) -> float:
    """Wall seconds of `tart ip` for every name at once (and `tart list` with them)."""
    env = sim.env()
    argvs = [[str(sim.tart), "ip", name, "--wait", "0"] for name in names]
    if with_list:
        argvs.insert(0, [str(sim.tart), "list", "--format", "json"])
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for argv in argvs
    ]
    codes = [process.wait() for process in processes]
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"tart failed: {codes}")
    return elapsed


def measure(server: Server, running: list[str], vm_count: int, reps: int) -> list[Figure]:
    sim = server.sim
    lists: list[float] = []
    ips: list[float] = []
    rounds: list[float] = []
    together: list[float] = []
    refreshes: list[float] = []
    server_cpu: list[float] = []
    loads: list[str] = []
    with server.client() as client:
        client.post("/api/vms/refresh").raise_for_status()  # warm: the runs' IPs are known
        for rep in range(reps):
            lists.append(sim.timed("list", "--format", "json"))
            ips.append(sim.timed("ip", running[rep % len(running)], "--wait", "0"))
            rounds.append(ip_round(sim, running))
            together.append(ip_round(sim, running, with_list=True))
            cpu_before = proc_cpu_seconds(server.pid)
            started = time.perf_counter()
            response = client.post("/api/vms/refresh")
            refreshes.append(time.perf_counter() - started)
            server_cpu.append(proc_cpu_seconds(server.pid) - cpu_before)
            response.raise_for_status()
            if len(response.json()) != vm_count:
                raise RuntimeError(f"refresh returned {len(response.json())} VMs")
            loads.append(loadavg())
    floor = median(lists) + median(ips)
    machine_floor = median(lists) + median(rounds)
    value = median(refreshes)
    ratio = value / floor
    load = f"{min(loads)}-{max(loads)}"
    return [
        Figure(
            name=f"refresh, {vm_count} VMs ({len(running)} running)",
            value=value,
            unit="s",
            baseline=(
                f"floor {floor:.3f} s = list {median(lists):.3f} + ip {median(ips):.3f}; "
                f"x{ratio:.2f}"
            ),
            target=f"<= {TARGET_RATIO} x floor",
            met=ratio <= TARGET_RATIO,
            load=load,
            notes=[
                f"median of {reps}; a round of {len(running)} parallel `tart ip` alone took "
                f"{median(rounds):.3f} s here, so list + round = {machine_floor:.3f} s "
                f"(refresh = x{value / machine_floor:.2f} of that); list and that round "
                f"started together took {median(together):.3f} s (refresh = "
                f"x{value / median(together):.2f}); the server's own CPU per refresh: "
                f"{median(server_cpu) * 1000:.0f} ms"
            ],
        )
    ]
