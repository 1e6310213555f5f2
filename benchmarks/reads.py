"""Read throughput: `GET /api/vms` and `/api/vms/categorized` with 8 concurrent clients.

The load generator is `wrk` (C, one thread) when installed, otherwise `loadgen.py` in two
processes of four connections each. Besides requests per second, the server's own CPU time
during the run gives requests per server CPU-second: on a shared machine the server rarely
gets a whole core, and that figure says what one worker does with one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from .harness import Server, loadavg, median, proc_cpu_seconds
from .report import Figure

TARGET_RPS = 2000
CONNECTIONS = 8


def _wrk(url: str, headers: list[str], duration: float) -> tuple[int, int, float]:
    """(requests, failed requests, seconds); socket errors and timeouts count as failed."""
    argv = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration:g}s"]
    for header in headers:
        argv += ["-H", header]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    seconds = float(match[2]) / (1000 if match[3] == "ms" else 1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = int(errors[1]) if errors else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        failed += sum(int(n) for n in re.findall(r"\d+", socket_errors[1]))
    return int(match[1]), failed, seconds


def _python(url: str, headers: list[str], duration: float) -> tuple[int, int, float]:
    processes = 2
    argv = [sys.executable, "-m", "benchmarks.loadgen", url]
    argv += ["--connections", str(CONNECTIONS // processes), "--duration", str(duration)]
    for header in headers:
        argv += ["-H", header]
    children = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    results = []
    for child in children:
        out, _ = child.communicate(timeout=duration + 60)
        if child.returncode != 0:
            raise RuntimeError("loadgen failed")
        results.append(json.loads(out))
    seconds = max(result["seconds"] for result in results)
    return (
        sum(int(r["requests"]) for r in results),
        sum(int(r["errors"]) for r in results),
        seconds,
    )


def tool_name(force_python: bool = False) -> str:
    return "wrk" if shutil.which("wrk") and not force_python else "python"


def measure(
    server: Server,
    path: str,
    *,
    vm_count: int,
    duration: float,
    reps: int,
    gzip: bool = False,
    force_python: bool = False,
) -> Figure:
    tool = tool_name(force_python)
    generate = _wrk if tool == "wrk" else _python
    headers = [f"X-Local-Token: {server.token}"]
    if gzip:
        headers.append("Accept-Encoding: gzip")
    rates: list[float] = []
    per_cpu: list[float] = []
    loads: list[str] = []
    with server.client() as client:
        body = len(client.get(path, headers={"Accept-Encoding": "identity"}).content)
    for _ in range(reps):
        cpu_before = proc_cpu_seconds(server.pid)
        requests, errors, seconds = generate(server.base_url + path, headers, duration)
        cpu = proc_cpu_seconds(server.pid) - cpu_before
        if errors:
            raise RuntimeError(f"{errors} of {requests} requests to {path} failed")
        rates.append(requests / seconds)
        per_cpu.append(requests / cpu if cpu > 0 else float("nan"))
        loads.append(loadavg())
    value = median(rates)
    return Figure(
        name=f"GET {path}{' (gzip)' if gzip else ''}, {vm_count} VMs, {CONNECTIONS} clients",
        value=value,
        unit="req/s",
        baseline=f"{median(per_cpu):,.0f} req per server CPU-s",
        target=f">= {TARGET_RPS:,} req/s" if not gzip else "",
        met=value >= TARGET_RPS if not gzip else None,
        load=f"{min(loads)}-{max(loads)}",
        notes=[
            f"{tool}, {reps} x {duration:g} s, body {body / 1000:.0f} KB; req/s "
            + ", ".join(f"{rate:,.0f}" for rate in rates)
        ],
    )
