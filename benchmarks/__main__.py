"""`uv run python -m benchmarks [--size small|full]`: the speed benchmark (issue 12).

Starts the real server (the installed `taartenfabriek serve`) against tart-sim, measures
every figure of docs/performance.md with its floor or baseline from the same run, and prints
one table with the targets. Exit code 0 when it ran, whatever the figures: targets are
reported, not asserted (CI only checks that `--size small` runs).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import details, fanout, orchard, reads, refresh, spawn, startup, ui
from .harness import Server, Sim, ensure_bytecode, is_darwin, loadavg, seed_vms, vm_name
from .report import Figure, machine, table, write_json

ALL = ("refresh", "reads", "fanout", "spawn", "ui", "memory", "cold", "details", "orchard")


@dataclass(frozen=True)
class Size:
    vm_counts: tuple[int, ...]
    running: int
    refresh_reps: int
    read_seconds: float
    read_reps: int
    subscribers: tuple[int, ...]
    fanout_reps: int
    pull_seconds: float
    spawn_reps: int
    ui_reps: int
    tasks: int
    cold_reps: int
    orchard_fleet: tuple[int, int] = (1000, 50)
    """VMs and workers of the Orchard refresh."""
    detail_counts: tuple[int, ...] = (300, 1000)
    """VM counts of the cold start to every VM's details (issue 20)."""


SIZES = {
    "full": Size(
        vm_counts=(100, 1000),
        running=10,
        refresh_reps=11,
        read_seconds=4,
        read_reps=5,
        subscribers=(50, 200),
        fanout_reps=3,
        pull_seconds=6,
        spawn_reps=11,
        ui_reps=5,
        tasks=10_000,
        cold_reps=5,
    ),
    "small": Size(
        vm_counts=(20,),
        running=2,
        refresh_reps=3,
        read_seconds=1,
        read_reps=1,
        subscribers=(10,),
        fanout_reps=1,
        pull_seconds=1.5,
        spawn_reps=2,
        ui_reps=1,
        tasks=100,
        cold_reps=1,
        orchard_fleet=(100, 5),
        detail_counts=(20,),
    ),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()}] {message}", file=sys.stderr)


def prepare(root: Path, count: int, running: int, size: Size) -> tuple[Sim, Server]:
    sim = Sim(root / f"sim-{count}")
    log(f"seeding {count} VMs")
    names = seed_vms(sim.home, count)
    log(f"starting {running} of them (tart run)")
    sim.start_vms(names[:running])
    server = Server(
        root=root / f"server-{count}",
        sim=sim,
        trace=True,
        env_extra={"TART_SIM_PULL_SECONDS": str(size.pull_seconds)},
    )
    server.root.mkdir(parents=True, exist_ok=True)
    server.start()
    log(f"server up on port {server.port}; waiting for the `tart get` of {count} VMs")
    server.wait_configs(count)
    return sim, server


def run(args: argparse.Namespace) -> list[Figure]:
    size = SIZES[args.size]
    only = set(args.only.split(",")) if args.only else set(ALL)
    root = Path(args.workdir or tempfile.mkdtemp(prefix="taartenfabriek-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    log("compiling bytecode where it is missing")
    ensure_bytecode()
    figures: list[Figure] = []
    sims: list[Sim] = []
    servers: list[Server] = []
    try:
        if "details" in only:
            log(f"cold start to every VM's details, {size.detail_counts} VMs; file watcher")
            figures += details.measure(
                root / "details", size.detail_counts, size.running, size.cold_reps
            )
            if only == {"details"}:
                return figures
        big: tuple[Sim, Server] | None = None
        for count in size.vm_counts:
            last = count == size.vm_counts[-1]
            if "refresh" not in only and not last:
                continue
            sim, server = prepare(root, count, size.running, size)
            sims.append(sim)
            servers.append(server)
            running = [vm_name(i) for i in range(size.running)]
            if "refresh" in only:
                log(f"refresh, {count} VMs")
                figures += refresh.measure(server, running, count, size.refresh_reps)
            if last:
                big = (sim, server)
            else:
                server.stop()
        assert big is not None
        sim, server = big
        count = size.vm_counts[-1]
        if "reads" in only:
            for path, gzip in (("/api/vms", False), ("/api/vms/categorized", False)):
                log(f"GET {path}")
                figures.append(
                    reads.measure(
                        server,
                        path,
                        vm_count=count,
                        duration=size.read_seconds,
                        reps=size.read_reps,
                        gzip=gzip,
                        force_python=args.loadgen == "python",
                    )
                )
            log("GET /api/vms with gzip")
            figures.append(
                reads.measure(
                    server,
                    "/api/vms",
                    vm_count=count,
                    duration=size.read_seconds,
                    reps=1,
                    gzip=True,
                    force_python=args.loadgen == "python",
                )
            )
        if "fanout" in only:
            for subscribers in size.subscribers:
                log(f"WebSocket fan-out to {subscribers}")
                figures.append(fanout.measure(server, subscribers, size.fanout_reps))
        if "spawn" in only:
            log("task spawn latency")
            stopped = [vm_name(i) for i in range(size.running, count) if not is_darwin(i)]
            figures.append(spawn.measure(server, stopped, size.spawn_reps))
        if "ui" in only:
            if ui.available():
                log("UI in Chromium")
                figures += ui.measure(
                    server, count, size.ui_reps, r"vm-\d{4}", quick=args.size == "small"
                )
                log("UI scrolling and filtering, CPU 4x slower")
                figures.append(ui.smoothness(server, count, r"vm-\d{4}"))
            else:
                log("UI skipped: no Chromium at /usr/bin/chromium or no playwright")
        if "memory" in only:
            log(f"memory: filling {size.tasks} tasks")
            figures.append(startup.memory(server, count, size.tasks))
        server.stop()
        if "cold" in only:
            log("cold start")
            figures += startup.cold_start(root / "cold", sim, size.cold_reps, count)
        if "orchard" in only:
            vms, workers = size.orchard_fleet
            log(f"Orchard refresh, {vms} VMs on {workers} workers (fake controller)")
            figures.append(orchard.measure(vms, workers, size.refresh_reps))
    finally:
        for server in servers:
            server.stop()
        for sim in sims:
            sim.stop_all()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(ALL)}")
    parser.add_argument("--loadgen", choices=("auto", "python"), default="auto")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--workdir", help="keep state here instead of a temporary folder")
    parser.add_argument("--keep", action="store_true", help="do not delete the state")
    args = parser.parse_args()
    started = time.time()
    load_before = loadavg()
    figures = run(args)
    header = (
        f"taartenfabriek benchmark --size {args.size} | {machine()}\n"
        f"load average (1 min) at start {load_before}, at end {loadavg()}; "
        f"took {time.time() - started:.0f} s"
    )
    print(header)
    print()
    print(table(figures))
    if args.json:
        write_json(args.json, figures, {"size": args.size, "header": header})
    unmet = [f.name for f in figures if f.met is False]
    print()
    print(f"{len(figures)} figures, {len(unmet)} target(s) not met" + (": " if unmet else ""))
    for name in unmet:
        print(f"  - {name}")
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
