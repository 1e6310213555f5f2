"""Lookups of names the inventory does not know refresh it at most once a second: a client
looping over bad names must not run `tart list` once per request."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def _lists(trace: Path) -> int:
    if not trace.exists():
        return 0
    records = [line.split("\t") for line in trace.read_text().splitlines()]
    return sum(1 for r in records if len(r) > 3 and r[2] == "start" and r[3].startswith("list"))


async def _burst(server: ServerProcess, count: int) -> list[int]:
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.headers) as client:
        answers = await asyncio.gather(
            *(client.get(f"/api/vms/no-such-vm-{i}") for i in range(count))
        )
    return [a.status_code for a in answers]


def test_misses_share_one_refresh_a_second(server_factory: Any, tmp_path: Path) -> None:
    trace = tmp_path / "trace.tsv"
    server: ServerProcess = server_factory(env_overrides={"TART_SIM_TRACE": str(trace)}).start()
    with server.client() as client:
        assert client.post("/api/vms/refresh", json={}).status_code == 200
        before = _lists(trace)
        started = time.monotonic()
        statuses = [client.get(f"/api/vms/missing-{i}").status_code for i in range(40)]
        statuses += asyncio.run(_burst(server, 40))
        elapsed = time.monotonic() - started
        assert statuses == [404] * 80
        refreshes = _lists(trace) - before
        # one per started second at most (+1: the interval may straddle a second boundary)
        assert refreshes <= int(elapsed) + 2, (refreshes, elapsed)
        assert refreshes < 20, refreshes

        # a VM made at a terminal is still found by a miss once the second is over
        seed_vm(server.tart_home, "made-outside", os_name="linux")
        deadline = time.monotonic() + 10
        while client.get("/api/vms/made-outside").status_code != 200:
            assert time.monotonic() < deadline, "a new VM was never found by a lookup"
            time.sleep(0.2)
