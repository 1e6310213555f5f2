"""Faults of `tart` itself: a command that hangs fails its task with a timeout and leaves no
orphan; a failed or hung refresh keeps the last good inventory and says it is stale."""

from __future__ import annotations

import shlex
import sys
import time

import httpx
import pytest

from tests.crash.helpers import (
    IMAGE,
    alive,
    eventually,
    post,
    seeded,
    stored_processes,
    tart_processes,
)
from tests.server import ServerProcess, write_tart_shim

pytestmark = pytest.mark.integration


def break_tart(server: ServerProcess, **knobs: str) -> None:
    """From now on every `tart` the server runs gets these simulator knobs."""
    env = " ".join(f"{key}={shlex.quote(value)}" for key, value in knobs.items())
    server.tart_path.write_text(
        f'#!/bin/sh\n{env} exec "{sys.executable}" -m taartenfabriek.sim "$@"\n'
    )


def test_a_hung_pull_times_out_and_leaves_no_orphan(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = server_factory(
        env_overrides={"TART_SIM_HANG": "pull", "TARTVM_TART_LONG_TIMEOUT": "2"}
    ).start()
    began = time.monotonic()
    pull = post(server, "/api/vms/pull", {"oci_url": IMAGE})
    (pid,) = eventually(lambda: tart_processes(server, "pull", IMAGE))
    done = server.wait_task(pull["id"])
    assert done["status"] == "failed"
    assert done["error"] == "tart pull did not finish within 2 s and was stopped"
    assert 2 <= time.monotonic() - began < 10
    assert not alive(pid) and tart_processes(server, "pull", IMAGE) == []
    assert stored_processes(server) == []


def test_a_failed_refresh_keeps_the_last_good_inventory(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = seeded(server_factory(), "dev").start()
    with server.client() as client:
        assert [vm["name"] for vm in client.post("/api/vms/refresh").json()] == ["dev"]
        health = client.get("/api/health").json()
        assert health["inventory_stale"] is False and health["inventory_age"] < 5

        break_tart(server, TART_SIM_FAIL="list:1:Error: simulated failure")
        failed = client.post("/api/vms/refresh")
        assert failed.status_code == 502 and "simulated failure" in failed.json()["detail"]
        time.sleep(0.3)
        response = client.get("/api/vms")
        assert response.status_code == 200 and [vm["name"] for vm in response.json()] == ["dev"]
        assert float(response.headers["X-Inventory-Age"]) >= 0.3
        health = client.get("/api/health").json()
        assert health["inventory_stale"] is True and health["inventory_age"] >= 0.3

        write_tart_shim(server.tart_path.parent)  # tart works again
        assert client.post("/api/vms/refresh").status_code == 200
        health = client.get("/api/health").json()
        assert health["inventory_stale"] is False and health["inventory_age"] < 1


def test_a_hung_refresh_times_out_and_keeps_the_inventory(server_factory) -> None:  # type: ignore[no-untyped-def]
    server: ServerProcess = seeded(
        server_factory(env_overrides={"TARTVM_TART_TIMEOUT": "1"}), "dev"
    ).start()
    with server.client() as client:
        assert [vm["name"] for vm in client.post("/api/vms/refresh").json()] == ["dev"]
        break_tart(server, TART_SIM_HANG="list")
        began = time.monotonic()
        try:
            hung = client.post("/api/vms/refresh")
        except httpx.HTTPError as exc:  # pragma: no cover - a failure message, not a pass
            raise AssertionError(f"refresh did not answer: {exc!r}") from exc
        assert hung.status_code == 504, hung.text
        assert hung.json()["detail"] == "tart list did not finish within 1 s and was stopped"
        assert time.monotonic() - began < 5
        assert [vm["name"] for vm in client.get("/api/vms").json()] == ["dev"]
        assert client.get("/api/health").json()["inventory_stale"] is True
        eventually(lambda: tart_processes(server, "list", "--format", "json") == [])
