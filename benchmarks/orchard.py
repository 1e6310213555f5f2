"""Orchard refresh (issue 11): `POST /api/vms/refresh` of a big fleet through the real server
started with `--backend orchard`, against the fake controller (tests/fakes/orchard) on loopback.

The target is a count, not a time: one `GET /v1/vms` per refresh, whatever the fleet's size
(each per-VM call would run `tart ip` on a worker). The figure's value is the median refresh
time; `met` says whether the controller saw exactly one list call per refresh and nothing else.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.fakes.orchard import FakeOrchard
from tests.fakes.orchard.fleet import seed_fleet
from tests.server import ServerProcess

from .harness import loadavg, median
from .report import Figure


def measure(vms: int, workers: int, reps: int) -> Figure:
    fake = FakeOrchard(auto=False).start()  # no scheduler: the fleet stays as seeded
    try:
        seed_fleet(fake.store, vms=vms, workers=workers)
        with tempfile.TemporaryDirectory() as root:
            orchard_home = Path(root) / "orchard-home"
            orchard_home.mkdir()
            server = ServerProcess(
                root=Path(root),
                env_overrides={
                    "TARTVM_BACKEND": "orchard",
                    "TARTVM_ORCHARD_URL": fake.url,
                    "ORCHARD_HOME": str(orchard_home),  # no developer's orchard context
                },
            ).start(timeout=60)
            try:
                with server.client() as client:
                    listed = len(client.post("/api/vms/refresh").json())  # warm
                    fake.requests.clear()
                    load = loadavg()
                    samples = []
                    for _ in range(reps):
                        started = time.perf_counter()
                        client.post("/api/vms/refresh").raise_for_status()
                        samples.append(time.perf_counter() - started)
            finally:
                server.stop()
        calls = fake.calls()
        lists = [c for c in calls if c == ("GET", "/v1/vms")]
        others = len(calls) - len(lists)
    finally:
        fake.stop()
    return Figure(
        name=f"Orchard refresh, {vms} VMs on {workers} workers",
        value=median(samples),
        unit="s",
        baseline=f"{len(lists) / reps:g} GET /v1/vms and {others} other calls per refresh",
        target="1 list call, no per-VM calls",
        met=listed == vms and len(lists) == reps and others == 0,
        load=load,
        notes=[f"median of {reps}, through the server; fake controller on loopback"],
    )
