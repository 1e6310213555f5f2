"""Live usage through the real server against tart-sim: `/ws/usage` sends the history, then
samples of each running VM's process and the host; the guest is asked through `tart exec`
only for the VM whose details are open, at most every 10 s, and nothing is sampled while no
page watches."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def _execs(trace: Path) -> list[float]:
    if not trace.exists():
        return []
    records = [line.split("\t", 3) for line in trace.read_text().splitlines()]
    return [float(r[0]) for r in records if r[2] == "start" and r[3].split()[:1] == ["exec"]]


@pytest.fixture
def server(tmp_path: Path) -> Any:
    trace = tmp_path / "trace.log"
    env = {"TART_SIM_TRACE": str(trace), "TART_SIM_NO_AGENT": "noagent"}
    process = ServerProcess(root=tmp_path, env_overrides=env).start()
    try:
        yield process, trace
    finally:
        process.stop()
        process.stop_vms()


def _start(server: ServerProcess, name: str) -> dict[str, Any]:
    seed_vm(server.tart_home, name, os_name="linux")
    with server.client() as client:
        client.post("/api/vms/refresh", json={}).raise_for_status()
        task = client.post(f"/api/vms/{name}/start", json={"display": "none"}).json()
    done = server.wait_task(task["id"])
    assert done["status"] == "completed", done
    with server.client() as client:
        client.post("/api/vms/refresh", json={}).raise_for_status()
    return done


def _open(server: ServerProcess, token: str | None = "") -> ClientConnection:
    token = server.token if token == "" else token
    query = f"?token={token}" if token is not None else ""
    return connect(f"{server.ws_url}/ws/usage{query}", proxy=None, open_timeout=10)


def _next(ws: ClientConnection, kind: str = "sample", timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == kind:
            return dict(message)


def _vm(sample: dict[str, Any], name: str) -> dict[str, Any]:
    return next(v for v in sample["vms"] if v["name"] == name)


def test_a_usage_sample_arrives_over_the_socket(server: Any) -> None:
    srv, trace = server
    run = _start(srv, "busy")
    with _open(srv) as ws:
        history = _next(ws, "history")
        assert history["window"] == 600 and history["interval"] == 2
        first = _next(ws)
        second = _next(ws)
    assert second["at"] - first["at"] >= 1.9  # never more often than every 2 s
    vm = _vm(second, "busy")
    # tart-sim runs no separate guest process: its `tart run` is measured, and said to be
    assert vm["process"]["pid"] == run["result"]["pid"]
    assert vm["process"]["process"] == "tart run"
    assert vm["process"]["memory"] > 1_000_000
    assert vm["process"]["cpu_percent"] is not None and vm["process"]["cpu_percent"] >= 0
    assert vm["guest"] is None  # no page has its details open: the guest was not asked
    host = second["host"]
    assert 0 <= host["cpu_percent"] <= 100 and 0 < host["memory_percent"] < 100
    assert 0 < host["memory_available"] <= host["memory_total"]
    assert 0 < host["disk_free"] <= host["disk_total"]
    assert _execs(trace) == []

    # nothing is sampled while no page watches: the history has a gap where no one looked
    closed = time.time()
    time.sleep(4.5)
    with _open(srv) as ws:
        points = _next(ws, "history")["vms"]["busy"]
        # (one sample may have been under way while the server learnt the page had left)
        assert len(points) >= 2 and points[-1][0] < closed + 2.5
        assert points[-1][2] == vm["process"]["memory"] or points[-1][2] > 0
        assert _next(ws)["at"] > closed + 4


def test_the_guest_is_asked_only_for_open_details_every_10_s(server: Any) -> None:
    srv, trace = server
    _start(srv, "inside")
    _start(srv, "noagent")
    with _open(srv) as ws:
        ws.send(json.dumps({"type": "details", "vm": "inside"}))
        deadline = time.monotonic() + 20
        guest = None
        while guest is None or guest.get("load") is None:
            assert time.monotonic() < deadline, "the guest never answered"
            guest = _vm(_next(ws), "inside")["guest"]
        # tart-sim's exec runs the script on this Linux host: real /proc numbers
        assert len(guest["load"]) == 3
        assert 0 < guest["memory_available"] <= guest["memory_total"]
        assert 0 < guest["disk_used"] < guest["disk_total"]
        while len(_execs(trace)) < 2:
            assert time.monotonic() < deadline + 15, "the guest was asked only once"
            _next(ws)
        first, second = _execs(trace)[:2]
        assert second - first >= 9.9

        ws.send(json.dumps({"type": "details", "vm": "noagent"}))
        deadline = time.monotonic() + 15
        while not (_vm(_next(ws), "noagent")["guest"] or {}).get("error"):
            assert time.monotonic() < deadline, "no error for a guest without an agent"
        ws.send(json.dumps({"type": "details", "vm": None}))
        _next(ws)
        asked = len(_execs(trace))
        _next(ws)
        _next(ws)
    assert len(_execs(trace)) <= asked + 1  # one may have been under way
    time.sleep(2.5)
    after = len(_execs(trace))
    time.sleep(2.5)
    assert len(_execs(trace)) == after  # closed: nothing asks the guest any more


def test_the_usage_socket_needs_the_token_and_our_origin(server: Any) -> None:
    srv, _ = server
    for token in (None, "wrong"):
        with _open(srv, token) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"{srv.ws_url}/ws/usage?token={srv.token}",
            proxy=None,
            origin=f"http://localhost:{srv.port + 1}",  # type: ignore[arg-type]
        )
    assert refused.value.response.status_code == 403
