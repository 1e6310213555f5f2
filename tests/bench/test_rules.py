"""The performance rules of issue 12, checked on the real server against tart-sim.

tart-sim's TART_SIM_TRACE knob records every `tart` invocation, so each rule is a count:
GETs start no `tart`; concurrent refreshes share one `tart list`; refreshes read CPU, memory
and OS from the `tart get` cache; logs reach subscribers in batches.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def _invocations(trace: Path) -> list[str]:
    """argv (joined) of every `tart` started since the trace was last cleared."""
    return [argv for _, argv in _starts(trace)] if trace.exists() else []


def _starts(trace: Path) -> list[tuple[float, str]]:
    """(time, argv) of every `tart` started since the trace was last cleared."""
    records = [line.split("\t", 3) for line in trace.read_text().splitlines()]
    return [(float(r[0]), r[3]) for r in records if r[2] == "start"]


def _slow_list_shim(path: Path, seconds: float) -> Path:
    """A `tart` whose `list` answers `seconds` late, with the state of when it was called."""
    python = shlex.quote(sys.executable)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = list ]; then\n'
        f'  out=$({python} -m taartenfabriek.sim "$@"); code=$?\n'
        f'  sleep {seconds}; printf "%s\\n" "$out"; exit $code\n'
        "fi\n"
        f'exec {python} -m taartenfabriek.sim "$@"\n'
    )
    path.chmod(0o755)
    return path


def _server(server_factory, tmp_path: Path, vms: int = 3, **env: str) -> ServerProcess:  # type: ignore[no-untyped-def]
    trace = tmp_path / "trace.log"
    server: ServerProcess = server_factory(env_overrides={"TART_SIM_TRACE": str(trace), **env})
    for index in range(vms):
        seed_vm(server.tart_home, f"vm-{index}", cpu=2 + index)
    return server.start()


def _wait_configs(server: ServerProcess, count: int) -> None:
    deadline = time.monotonic() + 30
    with server.client() as client:
        while sum(vm["cpu"] is not None for vm in client.get("/api/vms").json()) < count:
            assert time.monotonic() < deadline, "the tart get cache was never filled"
            time.sleep(0.05)


def _get_paths(client: httpx.Client, vm: str) -> list[str]:
    """Every GET route the API documents, its parameters filled for `vm`: a new route is
    checked without anyone adding it here."""
    spec = client.get("/openapi.json").json()
    fill = {"{vm_name}": vm, "{task_id}": "no-such-task", "{run_id}": "no-such-run"}
    paths = []
    for path, operations in spec["paths"].items():
        if "get" in operations:
            for key, value in fill.items():
                path = path.replace(key, value)
            assert "{" not in path, f"no value for a parameter of {path}"
            paths.append(path)
    return paths


def test_gets_never_start_tart(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path)
    trace = tmp_path / "trace.log"
    _wait_configs(server, 3)
    with server.client() as client:
        started = client.post("/api/vms/vm-2/start").json()  # a running VM is read too
        assert server.wait_task(started["id"])["status"] == "completed"
        client.get("/api/vms/vm-1/config").raise_for_status()  # cached by the filler
        paths = [*_get_paths(client, "vm-1"), *_get_paths(client, "vm-2")]
        assert len(paths) > 30
        trace.unlink()
        for _ in range(3):
            for path in paths:
                assert client.get(path).status_code in (200, 404, 409), path
    # The Tart version is read once, then remembered; nothing else runs tart.
    assert _invocations(trace) in ([], ["--version"])
    assert server.tart("list").returncode == 0


@pytest.mark.parametrize("files", ["readable", "hidden"])
def test_a_start_needs_no_tart_get_once_tart_home_agrees(  # type: ignore[no-untyped-def]
    server_factory, tmp_path: Path, files: str
) -> None:
    """A Start's 404/409 check reads TART_HOME (tart/vmdir.py) once its locks have shown
    the running VMs `tart list` reported, so the request reaches `tart run` without a
    `tart get` first; where the files cannot be seen, `tart get` decides."""
    server = _server(server_factory, tmp_path)
    trace = tmp_path / "trace.log"
    if files == "hidden":  # tart keeps its VMs where the server does not look
        for index in range(3):
            seed_vm(server.tart_home / "hidden", f"vm-{index}", cpu=2 + index)
        shim = server.tart_path.read_text()
        server.tart_path.write_text(shim.replace("exec ", 'TART_HOME="$TART_HOME/hidden" exec ', 1))
    _wait_configs(server, 3)
    with server.client() as client:
        first = client.post("/api/vms/vm-0/start").json()  # its end refresh lists a running VM
        assert server.wait_task(first["id"])["status"] == "completed"
        trace.unlink()
        second = client.post("/api/vms/vm-1/start").json()
        assert server.wait_task(second["id"])["status"] == "completed"
    calls = _invocations(trace)
    before_run = calls[: next(i for i, c in enumerate(calls) if c.startswith("run "))]
    if files == "readable":
        assert "get vm-1 --format json" not in before_run, calls
    else:
        assert "get vm-1 --format json" in before_run, calls


def test_concurrent_refreshes_share_one_tart_list(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shim = _slow_list_shim(tmp_path / "slow" / "tart", 0.5)
    server = _server(server_factory, tmp_path, TARTVM_TART_PATH=str(shim))
    trace = tmp_path / "trace.log"
    _wait_configs(server, 3)
    trace.unlink()
    clients = [server.client() for _ in range(10)]
    for client in clients:
        client.get("/api/health")  # connected before the race starts
    barrier = threading.Barrier(10)
    sizes: list[int] = []

    def refresh(client: httpx.Client) -> None:
        barrier.wait()
        sizes.append(len(client.post("/api/vms/refresh").json()))

    threads = [threading.Thread(target=refresh, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert sizes == [3] * 10
    assert [argv for argv in _invocations(trace) if argv.startswith("list")] == [
        "list --format json"
    ]


def test_refreshes_read_the_config_cache(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path, vms=4)
    trace = tmp_path / "trace.log"
    _wait_configs(server, 4)
    trace.unlink()
    with server.client() as client:
        for _ in range(3):
            vms = client.post("/api/vms/refresh").json()
        assert [vm["cpu"] for vm in vms] == [2, 3, 4, 5]
        assert all(vm["os"] == "linux" and vm["memory"] == "4G" for vm in vms)
    assert _invocations(trace) == ["list --format json"] * 3


def test_a_finished_task_is_never_answered_by_an_older_list(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shim = _slow_list_shim(tmp_path / "slow" / "tart", 1.0)
    server = _server(server_factory, tmp_path, TARTVM_TART_PATH=str(shim))
    _wait_configs(server, 3)

    def refresh() -> None:
        with server.client() as other:
            other.post("/api/vms/refresh")

    with server.client() as client:
        background = threading.Thread(target=refresh)
        background.start()
        time.sleep(0.2)  # that refresh's `tart list` has read the store: vm-2 still exists
        task = client.post("/api/vms/vm-2/delete").json()
        assert server.wait_task(task["id"])["status"] == "completed"
        assert "vm-2" not in [vm["name"] for vm in client.get("/api/vms").json()]
        background.join()


def test_prepared_reads_match_the_routes(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path)
    _wait_configs(server, 3)
    with server.client() as client:
        for path in ("/api/vms", "/api/vms/categorized"):
            plain = client.get(path, headers={"Accept-Encoding": "identity"})
            assert plain.headers["content-type"] == "application/json"
            assert "content-encoding" not in plain.headers
            assert float(plain.headers["x-inventory-age"]) >= 0
            packed = httpx.get(
                server.base_url + path,
                headers={**server.headers, "Accept-Encoding": "gzip"},
            )
            assert packed.headers["content-encoding"] == "gzip"
            assert packed.content == plain.content  # httpx decodes it
            assert int(packed.headers["content-length"]) < len(plain.content)
        assert json.loads(plain.content)["working_vms"][0]["name"] == "vm-0"
        for headers in ({}, {"X-Local-Token": "wrong"}):
            denied = httpx.get(server.base_url + "/api/vms", headers=headers)
            assert denied.status_code == 403 and "detail" in denied.json()
        assert client.post("/api/vms", json={}).status_code == 405


def test_large_responses_are_gzipped(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(server_factory, tmp_path, vms=0)
    response = httpx.get(server.base_url + "/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = httpx.get(server.base_url + "/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert response.json() == raw.json()
    assert int(response.headers["content-length"]) < len(raw.content)


def test_fast_output_reaches_subscribers_in_batches(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _server(
        server_factory,
        tmp_path,
        vms=0,
        TART_SIM_PULL_SECONDS="1",
        TART_SIM_PROGRESS_INTERVAL="0.004",
    )
    with server.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": "ghcr.io/cirruslabs/ubuntu:fast"})
    url = f"{server.ws_url}/ws/tasks/{task.json()['id']}?token={server.token}"
    with connect(url) as ws:
        started = time.monotonic()
        messages = list(ws)
        seconds = time.monotonic() - started
    final = json.loads(messages[-1])
    assert final["status"] == "completed"
    progress_lines = [line for line in final["logs"] if line.endswith("%")]
    assert len(progress_lines) > 60  # tart printed far more than 20 lines a second...
    # ...and subscribers heard at most 20 snapshots a second, plus a burst and the statuses.
    assert len(messages) <= 20 * seconds + 3 + 3


def test_ip_lookups_run_alongside_the_list(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # `tart ip` of a VM that is not running waits TART_SIM_IP_RETRY_SECONDS before failing:
    # a refresh must drop the early lookup of a VM that stopped instead of waiting for it.
    shim = _slow_list_shim(tmp_path / "slow" / "tart", 1.0)
    server = _server(
        server_factory,
        tmp_path,
        vms=2,
        TART_SIM_IP_RETRY_SECONDS="5",
        TARTVM_TART_PATH=str(shim),
        TARTVM_WATCH_FILES="0",  # the refreshes counted here are the test's own
    )
    trace = tmp_path / "trace.log"
    _wait_configs(server, 2)
    runs: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> None:
        runs.append(
            subprocess.Popen(
                [str(server.tart_path), "run", name, "--no-graphics"],
                env=server.env(),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        quick = {**server.env(), "TART_SIM_IP_RETRY_SECONDS": "0.05"}
        ip = [str(server.tart_path), "ip", name, "--wait", "20"]
        assert subprocess.run(ip, env=quick, capture_output=True, timeout=30).returncode == 0

    try:
        start("vm-0")
        with server.client() as client:
            first = {vm["name"]: vm for vm in client.post("/api/vms/refresh").json()}
            assert first["vm-0"]["status"] == "running" and first["vm-0"]["ip_address"]
            server.tart("stop", "--timeout", "1", "vm-0")
            start("vm-1")
            trace.unlink()
            began = time.monotonic()
            second = {vm["name"]: vm for vm in client.post("/api/vms/refresh").json()}
            assert time.monotonic() - began < 4
        assert second["vm-0"]["status"] == "stopped" and second["vm-0"]["ip_address"] is None
        assert second["vm-1"]["status"] == "running" and second["vm-1"]["ip_address"]
        started = _invocations(trace)
        assert started.count("list --format json") == started.count("ip vm-1 --wait 0") == 1
        # The early lookup of vm-0 may be cancelled before tart even got going.
        assert len(started) - 2 == started.count("ip vm-0 --wait 0") <= 1
        # vm-1 is known to run now: its lookup starts with the (1 s slow) list, not after it.
        trace.unlink()
        with server.client() as client:
            client.post("/api/vms/refresh")
        starts = {argv: stamp for stamp, argv in _starts(trace)}
        assert abs(starts["ip vm-1 --wait 0"] - starts["list --format json"]) < 0.5
    finally:
        for run in runs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def test_a_snapshot_the_files_do_not_show_is_asked_of_tart(server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """TART_HOME decides without `tart get`, except for a VM the inventory saw suspended whose
    `state.vzvmsave` is not there: a stand-in may keep snapshots elsewhere."""
    server = _server(server_factory, tmp_path)
    seed_vm(server.tart_home, "saved", suspended=True)
    trace = tmp_path / "trace.log"
    with server.client() as client:
        client.post("/api/vms/refresh").raise_for_status()
    _wait_configs(server, 4)
    with server.client() as client:
        first = client.post("/api/vms/vm-0/start").json()  # the files earn trust
        assert server.wait_task(first["id"])["status"] == "completed"
        listed = {vm["name"]: vm["state"] for vm in client.post("/api/vms/refresh").json()}
        assert listed["saved"] == "suspended"
        trace.unlink()
        response = client.post("/api/vms/vm-1/stop")
        assert response.status_code == 409, response.text
        assert _invocations(trace) == []
        (server.tart_home / "vms" / "saved" / "state.vzvmsave").unlink()
        response = client.post("/api/vms/saved/stop")
        assert response.status_code == 409, response.text  # tart: stopped now
        assert _invocations(trace) == ["get saved --format json"]
