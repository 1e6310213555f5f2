"""The two-macOS-guests limit under a burst: however many starts arrive at once (start,
resume, clone-and-start), only as many as there are free slots get a task; the rest are 409
before any task or `tart run` exists. Right after a refresh that found the VMs (their OS not
known yet) too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import ServerProcess

seed = pytest.importorskip("taartenfabriek.sim.seed", reason="needs tart-sim")
pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sonoma-base:latest"


def _tart_runs(tart_home: Path) -> int:
    """`tart run` processes (tart-sim) of this TART_HOME."""
    count = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"taartenfabriek.sim" in argv and b"run" in argv and str(tart_home).encode() in environ:
            count += 1
    return count


async def _burst(server: ServerProcess, requests: list[tuple[str, Any]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, timeout=60
    ) as client:
        return list(
            await asyncio.gather(*(client.post(path, json=body) for path, body in requests))
        )


def test_ten_starts_at_once_get_two_tasks(care_server: Any) -> None:
    server: ServerProcess = care_server()
    server.start()
    # made after the server started: the refresh finds them, their OS still unknown
    for index in range(7):
        seed.seed_vm(server.tart_home, f"mac{index}", os_name="darwin")
    for index in range(2):
        seed.seed_vm(server.tart_home, f"held{index}", os_name="darwin", suspended=True)
    seed.seed_image(server.tart_home, IMAGE)
    with server.client() as client:
        assert client.post("/api/vms/refresh", json={}).status_code == 200
        tasks_before = {task["id"] for task in client.get("/api/tasks").json()}
    requests: list[tuple[str, Any]] = [(f"/api/vms/mac{i}/start", None) for i in range(7)]
    requests += [(f"/api/vms/held{i}/resume", None) for i in range(2)]
    requests.append((f"/api/vms/{IMAGE}/clone", {"new_name": "copy", "start_after_clone": True}))

    answers = asyncio.run(_burst(server, requests))

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200, 200] + [409] * 8, [r.text for r in answers]
    refused = [r.json()["detail"] for r in answers if r.status_code == 409]
    assert all("at most 2 macOS VMs at once" in detail for detail in refused), refused
    with server.client() as client:
        new_tasks = [t for t in client.get("/api/tasks").json() if t["id"] not in tasks_before]
        assert len(new_tasks) == 2, new_tasks
        assert _tart_runs(server.tart_home) <= 2
        for response in answers:
            if response.status_code == 200:
                done = server.wait_task(response.json()["id"], timeout=60)
                assert done["status"] == "completed", done
        assert _tart_runs(server.tart_home) == 2

        # both slots taken: a second burst is refused whole, still before any task
        again = asyncio.run(_burst(server, [(f"/api/vms/mac{i}/start", None) for i in range(7)]))
        assert [r.status_code for r in again] == [409] * 7, [r.text for r in again]
        assert len(client.get("/api/tasks").json()) == len(tasks_before) + 2
    assert _tart_runs(server.tart_home) == 2
