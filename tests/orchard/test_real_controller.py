"""The Orchard backend against a real `orchard controller run` (the `orchard` lane).

Skipped unless an `orchard` binary is on the PATH; CI downloads a released one
(.github/workflows/orchard.yml, `uv run pytest -m orchard`). No worker runs, so what is
checked is what a controller does alone: list, create (queued), watch, events, delete,
workers, service accounts and roles, TLS with the certificate it pins in its bootstrap
context, and what `/api/health` says it can do.

How the controller is started (cirruslabs/orchard internal/command/controller/run.go:54-95,
controller.go:17; bootstrap.go:17-80): `--data-dir` in a temp dir, `--listen` on a loopback
port, `--insecure-no-tls` or its own self-signed certificate, `ORCHARD_HOME` for the context
it writes, and `ORCHARD_BOOTSTRAP_ADMIN_TOKEN` for the `bootstrap-admin` account.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import ServerProcess, free_port

ORCHARD = shutil.which("orchard")
pytestmark = [
    pytest.mark.orchard,
    pytest.mark.integration,
    pytest.mark.skipif(ORCHARD is None, reason="no `orchard` binary on the PATH"),
]

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
ADMIN = "bootstrap-admin"
TOKEN = "lane-admin-token-0123456789"


@dataclass
class Controller:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def http(self, account: tuple[str, str] = (ADMIN, TOKEN)) -> httpx.Client:
        verify = not self.url.startswith("https")  # the harness itself: no pinning here
        return httpx.Client(base_url=self.url, auth=account, verify=verify, timeout=10)


def _start(tmp_path: Path, *, tls: bool) -> Controller:
    assert ORCHARD is not None
    home = tmp_path / "orchard-home"
    home.mkdir()
    port = free_port()
    log = tmp_path / "controller.log"
    argv = [ORCHARD, "controller", "run", "--data-dir", str(tmp_path / "data"),
            "--listen", f"127.0.0.1:{port}"]  # fmt: skip
    if not tls:
        argv.append("--insecure-no-tls")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "ORCHARD_HOME": str(home),
           "ORCHARD_BOOTSTRAP_ADMIN_TOKEN": TOKEN}  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    controller = Controller(f"{'https' if tls else 'http'}://127.0.0.1:{port}", home, process, log)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"orchard controller run exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError), controller.http() as client:
            if client.get("/v1/controller/info").status_code == 200:
                return controller
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"orchard controller run did not answer: {log.read_text()[-2000:]}")
        time.sleep(0.2)


@pytest.fixture
def controller_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Controller]]:
    started: list[Controller] = []

    def start(*, tls: bool = False) -> Controller:
        controller = _start(tmp_path_factory.mktemp("orchard"), tls=tls)
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.process.terminate()
        try:
            controller.process.wait(10)
        except subprocess.TimeoutExpired:
            controller.process.kill()
            controller.process.wait()


@pytest.fixture
def server_for(server_factory: Any) -> Callable[..., ServerProcess]:
    def start(controller: Controller, **env: str) -> ServerProcess:
        nowhere = f"http://127.0.0.1:{free_port()}"
        overrides = {
            "TARTVM_BACKEND": "orchard",
            "TARTVM_ORCHARD_URL": controller.url,
            "TARTVM_ORCHARD_SERVICE_ACCOUNT": ADMIN,
            "TARTVM_ORCHARD_TOKEN": TOKEN,
            "TARTVM_ORCHARD_QUEUE_WAIT": "2",
            "TARTVM_GITHUB_API_URL": nowhere,
            "TARTVM_REGISTRY_URL": nowhere,
            **env,
        }
        server: ServerProcess = server_factory(env_overrides=overrides)
        return server.start()

    return start


def test_create_watch_events_and_delete_without_workers(
    controller_factory: Callable[..., Controller], server_for: Callable[..., ServerProcess]
) -> None:
    controller = controller_factory()
    server = server_for(controller)
    with server.client() as client:
        health = client.get("/api/health").json()
        assert health["orchard"]["version"] and health["orchard"]["detail"] is None
        assert health["orchard"]["watch"] is not False
        created = client.post("/api/vms/create", json={"name": "lane-1", "source_vm": IMAGE})
        assert created.status_code == 200, created.text
        task = server.wait_task(created.json()["id"])
        assert task["status"] == "completed", task
        assert task["result"]["queued"] is True  # no worker: Orchard keeps it pending
        (vm,) = client.post("/api/vms/refresh").json()
        assert (vm["name"], vm["phase"], vm["source"]) == ("lane-1", "queued", "orchard")

        # a worker's startup-script output, as the controller stores it
        with controller.http() as orchard:
            posted = orchard.post(
                "/v1/vms/lane-1/events",
                json=[{"kind": "log_line", "timestamp": int(time.time()), "payload": "hi lane"}],
            )
            assert posted.status_code == 200, posted.text
        start = client.post("/api/vms/lane-1/start")
        assert start.status_code == 200, start.text
        followed = server.wait_task(start.json()["id"])
        assert followed["status"] == "completed", followed
        assert "startup script: hi lane" in followed["logs"]

        deleted = server.wait_task(client.post("/api/vms/lane-1/delete", json={}).json()["id"])
        assert deleted["status"] == "completed", deleted
        assert client.post("/api/vms/refresh").json() == []
        with controller.http() as orchard:
            assert orchard.get("/v1/vms/lane-1").status_code == 404


def test_a_vm_deleted_behind_a_following_task_ends_it(
    controller_factory: Callable[..., Controller], server_for: Callable[..., ServerProcess]
) -> None:
    """The real watch of a VM deleted with the Orchard CLI: the task says so."""
    controller = controller_factory()
    server = server_for(controller, TARTVM_ORCHARD_QUEUE_WAIT="60")
    with server.client() as client:
        created = client.post("/api/vms/create", json={"name": "gone", "source_vm": IMAGE})
        assert created.status_code == 200, created.text
        with controller.http() as orchard:
            deadline = time.monotonic() + 20
            while orchard.get("/v1/vms/gone").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert orchard.delete("/v1/vms/gone").status_code == 200
        task = server.wait_task(created.json()["id"], timeout=30)
    assert task["status"] == "failed", task
    assert "deleted from Orchard" in task["error"]


def test_workers_and_pausing(
    controller_factory: Callable[..., Controller], server_for: Callable[..., ServerProcess]
) -> None:
    controller = controller_factory()
    with controller.http() as orchard:
        registered = orchard.post(
            "/v1/workers",
            json={"name": "mac-lane", "machine_id": "lane", "labels": {"rack": "a"},
                  "resources": {"org.cirruslabs.tart-vms": 2}},
        )  # fmt: skip
        assert registered.status_code == 200, registered.text
    server = server_for(controller)
    with server.client() as client:
        (worker,) = client.get("/api/workers").json()
        assert (worker["name"], worker["online"], worker["slots"]) == ("mac-lane", True, 2)
        assert worker["labels"] == {"rack": "a"}
        paused = client.post("/api/workers/mac-lane/pause")
        assert paused.status_code == 200 and paused.json()["paused"] is True
    with controller.http() as orchard:
        assert orchard.get("/v1/workers/mac-lane").json()["scheduling_paused"] is True
    with server.client() as client:
        assert client.post("/api/workers/mac-lane/resume").json()["paused"] is False


def test_service_account_roles(
    controller_factory: Callable[..., Controller], server_for: Callable[..., ServerProcess]
) -> None:
    controller = controller_factory()
    with controller.http() as orchard:
        made = orchard.post(
            "/v1/service-accounts",
            json={"name": "viewer", "token": "viewer-token-1", "roles": ["compute:read"]},
        )
        assert made.status_code == 200, made.text
    viewer = server_for(
        controller,
        TARTVM_ORCHARD_SERVICE_ACCOUNT="viewer",
        TARTVM_ORCHARD_TOKEN="viewer-token-1",
    )
    with viewer.client() as client:
        assert client.post("/api/vms/refresh").json() == []
        created = client.post("/api/vms/create", json={"name": "nope", "source_vm": IMAGE})
        task = viewer.wait_task(created.json()["id"])
    assert task["status"] == "failed", task
    assert "'viewer' may not do this" in task["error"] and "compute:write" in task["error"]
    wrong = server_for(controller, TARTVM_ORCHARD_TOKEN="not-the-token")
    with wrong.client() as client:
        response = client.post("/api/vms/refresh")
    assert response.status_code == 502 and "wrong name or token" in response.json()["detail"]


def test_tls_with_the_bootstrap_context(
    controller_factory: Callable[..., Controller], server_factory: Any
) -> None:
    """`controller run` with its own certificate writes a default context that pins it:
    choosing the backend is all the server needs."""
    controller = controller_factory(tls=True)
    config = (controller.home / ".orchard" / "orchard.yml").read_text()
    assert "bootstrap-context" in config and "certificate" in config
    server = server_factory(
        env_overrides={
            "TARTVM_BACKEND": "orchard",
            "ORCHARD_HOME": str(controller.home),
            "TARTVM_GITHUB_API_URL": f"http://127.0.0.1:{free_port()}",
        }
    ).start()
    with server.client() as client:
        refreshed = client.post("/api/vms/refresh")
        assert refreshed.status_code == 200, refreshed.text
        assert client.get("/api/tart/version").json()["backend"] == "orchard"
    assert TOKEN not in server.log_path.read_text()
    assert base64.b64encode(TOKEN.encode()).decode() not in server.log_path.read_text()
