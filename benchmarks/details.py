"""Issues 20 and 25: how soon after a cold start every VM's details are known, what reads cost
in those first seconds, and what watching Tart's files costs while nothing happens.

- cold start to details: a fresh server (state folder with its token, the sim's TART_HOME with
  `count` VMs, `running` of them running) is spawned; from its first answer to
  `GET /api/health` until `GET /api/vms` shows the CPU of every working VM. The `tart`
  processes it started until then are counted from the simulator's trace. The same with
  Tart's VMs where the server cannot read them (a stand-in's own storage: `tart get` a VM,
  as every start did before issue 20) is the baseline.
- `GET /api/vms` right after a cold start: the load generator starts the moment `/api/health`
  first answers and runs `EARLY_SECONDS`.
- watcher: the server's CPU time over `IDLE_SECONDS` with nothing happening, with the file
  watcher on and off (`TARTVM_WATCH_FILES`), and the `tart` processes started meanwhile.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import reads
from .harness import Server, Sim, loadavg, median, proc_cpu_seconds, seed_vms
from .report import Figure

TARGET_DETAILS_S = {300: 1.0, 1000: 2.0}
TARGET_RPS = 2000
TARGET_WATCH_CPU = 1.0
EARLY_SECONDS = 2.0
IDLE_SECONDS = 20.0


def _hidden_shim(sim: Sim) -> Path:
    """The sim's `tart`, keeping its VMs in TART_HOME/hidden: the server's reads see none."""
    shim = sim.root / "hidden-bin" / "tart"
    shim.parent.mkdir(parents=True, exist_ok=True)
    text = sim.tart.read_text().replace("exec ", 'TART_HOME="$TART_HOME/hidden" exec ', 1)
    shim.write_text(text)
    shim.chmod(0o755)
    return shim


def make_sim(root: Path, count: int, running: int, *, hidden: bool = False) -> Sim:
    sim = Sim(root)
    names = seed_vms(sim.home / "hidden" if hidden else sim.home, count)
    if hidden:
        home = sim.home
        sim.home = home / "hidden"  # `tart run` by the benchmark goes there too
        sim.start_vms(names[:running])
        sim.home = home
    else:
        sim.start_vms(names[:running])
    return sim


def _spawned(sim: Sim, since: float, until: float) -> dict[str, int]:
    """`tart` processes started between two wall-clock times, by subcommand."""
    counts: dict[str, int] = {}
    for stamp, _pid, kind, text in sim.trace_records():
        if kind == "start" and since <= stamp <= until:
            command = text.split(" ", 1)[0]
            counts[command] = counts.get(command, 0) + 1
    return counts


def _details_known(server: Server, count: int, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    with server.client() as client:
        while True:
            vms = client.get("/api/vms").json()
            working = [vm for vm in vms if vm["kind"] == "working_vm"]
            if len(working) >= count and all(vm["cpu"] is not None for vm in working):
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise RuntimeError("the details never became known")
            time.sleep(0.01)


def cold_details(root: Path, sim: Sim, count: int, reps: int, *, hidden: bool = False) -> Figure:
    extra = {"TARTVM_TART_PATH": str(_hidden_shim(sim))} if hidden else {}
    seconds: list[float] = []
    spawned: list[dict[str, int]] = []
    loads: list[str] = []
    for rep in range(reps):
        server = Server(root=root / f"details-{count}-{hidden}-{rep}", sim=sim, trace=True)
        server.env_extra.update(extra)
        server.root.mkdir(parents=True, exist_ok=True)
        server.prepare_token()
        sim.clear_trace()
        wall = time.time()
        server.spawn()
        try:
            answered = server.wait_ready("/api/health")
            known = _details_known(server, count)
            seconds.append(known - answered)
            spawned.append(_spawned(sim, wall, time.time()))
        finally:
            server.stop()
        loads.append(loadavg())
    value = median(seconds)
    counts = spawned[seconds.index(value)] if value in seconds else spawned[0]
    total = sum(counts.values())
    what = ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))
    name = f"cold start -> every VM's details, {count} VMs"
    if hidden:
        return Figure(
            name=name + " (VMs outside TART_HOME: tart get each, the old way)",
            value=value,
            unit="s",
            baseline=f"{total} tart processes ({what})",
            target="",  # a baseline to compare with, not a target
            met=None,
            load=f"{min(loads)}-{max(loads)}",
            notes=[f"median of {reps}: " + ", ".join(f"{s:.2f}" for s in seconds) + " s"],
        )
    target = TARGET_DETAILS_S.get(count, 2.0)
    gets = counts.get("get", 0)
    return Figure(
        name=name,
        value=value,
        unit="s",
        baseline=f"{total} tart processes ({what})",
        target=f"<= {target:g} s, <= 1 tart list, no tart get",
        met=value <= target and counts.get("list", 0) <= 1 and gets == 0,
        load=f"{min(loads)}-{max(loads)}",
        notes=[
            f"median of {reps}: "
            + ", ".join(f"{s:.3f}" for s in seconds)
            + " s from the first /api/health answer; the tart ip are of the running VMs"
        ],
    )


def early_reads(root: Path, sim: Sim, count: int, *, force_python: bool = False) -> Figure:
    """`GET /api/vms` req/s over the first seconds after the first /api/health answer."""
    server = Server(root=root / f"early-{count}", sim=sim)
    server.root.mkdir(parents=True, exist_ok=True)
    server.prepare_token()
    server.spawn()
    try:
        server.wait_ready("/api/health")
        tool = reads.tool_name(force_python)
        generate = reads._wrk if tool == "wrk" else reads._python
        headers = [f"X-Local-Token: {server.token}"]
        cpu_before = proc_cpu_seconds(server.pid)
        done, failed, seconds = generate(f"{server.base_url}/api/vms", headers, EARLY_SECONDS)
        cpu = proc_cpu_seconds(server.pid) - cpu_before
    finally:
        server.stop()
    rps = done / seconds
    return Figure(
        name=f"GET /api/vms in the first {EARLY_SECONDS:g} s after a cold start, {count} VMs",
        value=rps,
        unit="req/s",
        baseline=f"{done / cpu if cpu else 0:.0f} req per server CPU-second",
        target=f">= {TARGET_RPS}",
        met=rps >= TARGET_RPS and failed == 0,
        load=loadavg(),
        notes=[
            f"{tool}, {reads.CONNECTIONS} connections, from the first /api/health answer; "
            f"{failed} failed"
        ],
    )


def watcher_cost(root: Path, sim: Sim, count: int, running: int) -> list[Figure]:
    """Server CPU over `IDLE_SECONDS` with nothing happening, watcher on and off."""
    cpu: dict[bool, float] = {}
    spawned: dict[bool, int] = {}
    loads: list[str] = []
    for watching in (True, False):
        server = Server(root=root / f"idle-{watching}", sim=sim, trace=True)
        server.env_extra["TARTVM_WATCH_FILES"] = "1" if watching else "0"
        server.root.mkdir(parents=True, exist_ok=True)
        server.start()
        try:
            server.wait_configs(count)
            time.sleep(2)  # the first poll and the refresh it may have caused
            sim.clear_trace()
            before = proc_cpu_seconds(server.pid)
            started = time.perf_counter()
            time.sleep(IDLE_SECONDS)
            elapsed = time.perf_counter() - started
            cpu[watching] = (proc_cpu_seconds(server.pid) - before) / elapsed * 100
            spawned[watching] = sum(1 for r in sim.trace_records() if r[2] == "start")
        finally:
            server.stop()
        loads.append(loadavg())
    added = cpu[True] - cpu[False]
    return [
        Figure(
            name=f"file watcher, idle server, {count} VMs ({running} running)",
            value=added,
            unit="% of a core",
            baseline=f"{cpu[True]:.2f}% with it, {cpu[False]:.2f}% without",
            target=f"< {TARGET_WATCH_CPU:g}%, no tart process",
            met=added < TARGET_WATCH_CPU and spawned[True] == 0,
            load=f"{min(loads)}-{max(loads)}",
            notes=[
                f"server CPU time (/proc) over {IDLE_SECONDS:g} s idle; tart processes "
                f"started meanwhile: {spawned[True]} with the watcher, {spawned[False]} without"
            ],
        )
    ]


def measure(root: Path, counts: tuple[int, ...], running: int, reps: int) -> list[Figure]:
    figures: list[Figure] = []
    sims: list[Sim] = []
    try:
        for count in counts:
            sim = make_sim(root / f"sim-{count}", count, running)
            sims.append(sim)
            figures.append(cold_details(root, sim, count, reps))
            if count == 300 or count == counts[0]:
                figures.append(early_reads(root, sim, count))
                figures += watcher_cost(root, sim, count, running)
        hidden_count = counts[0]
        sim = make_sim(root / f"hidden-{hidden_count}", hidden_count, running, hidden=True)
        sims.append(sim)
        figures.append(cold_details(root, sim, hidden_count, 1, hidden=True))
    finally:
        for sim in sims:
            sim.stop_all()
    return figures
