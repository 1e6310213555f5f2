"""How long a refresh of 1,000 Orchard VMs on 50 workers takes, and how many calls it costs.

    uv run python benchmarks/orchard_refresh.py [--vms 1000] [--workers 50] [--rounds 20]

Runs the fake controller (tests/fakes/orchard) on loopback and measures two things:
`OrchardBackend.list_vms()` in this process (HTTP + JSON + mapping), and `POST
/api/vms/refresh` through the real server started in Orchard mode (adds the inventory's
rendering of the prepared JSON bodies and the local HTTP round trip).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.orchard import FakeOrchard
from tests.fakes.orchard.fleet import seed_fleet
from tests.server import ServerProcess

from taartenfabriek.backends.orchard import Connection, OrchardBackend


def summary(label: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{label:<44} median {statistics.median(ms):7.1f} ms   "
        f"p95 {p95:7.1f} ms   min {ms[0]:7.1f} ms"
    )


async def in_process(url: str, rounds: int) -> tuple[list[float], int, int]:
    backend = OrchardBackend(Connection(url=url))
    try:
        await backend.list_vms()  # warm the connection
        before = backend.client.requests
        samples = []
        count = 0
        for _ in range(rounds):
            started = time.perf_counter()
            count = len(await backend.list_vms())
            samples.append(time.perf_counter() - started)
        return samples, count, (backend.client.requests - before) // rounds
    finally:
        await backend.close()


def through_server(url: str, rounds: int) -> list[float]:
    with tempfile.TemporaryDirectory() as root:
        os.environ["ORCHARD_HOME"] = root
        server = ServerProcess(
            root=Path(root),
            env_overrides={"TARTVM_BACKEND": "orchard", "TARTVM_ORCHARD_URL": url},
        ).start(timeout=60)
        try:
            with server.client() as client:
                client.get("/api/vms")
                samples = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    response = client.post("/api/vms/refresh")
                    samples.append(time.perf_counter() - started)
                    response.raise_for_status()
            return samples
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    fake = FakeOrchard(auto=False).start()
    try:
        seed_fleet(fake.store, vms=args.vms, workers=args.workers)
        samples, count, calls = asyncio.run(in_process(fake.url, args.rounds))
        print(
            f"fleet: {count} VMs on {args.workers} workers; controller calls per refresh: {calls}"
        )
        print(summary("OrchardBackend.list_vms() (HTTP+JSON+mapping)", samples))
        fake.requests.clear()
        print(
            summary(
                "POST /api/vms/refresh through the server", through_server(fake.url, args.rounds)
            )
        )
        listed = [p for m, p in fake.calls() if m == "GET" and p == "/v1/vms"]
        print(f"controller saw {len(fake.calls())} requests, {len(listed)} of them GET /v1/vms")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
