"""Error statuses of api.md, all decided before any task is made."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/debian:latest"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the module: these checks are all refused before any task is made."""
    server = ServerProcess(root=tmp_path_factory.mktemp("seeded")).start()
    try:
        server.tart("create", "alpha", "--linux")
        server.tart("pull", IMAGE)
        with server.client() as client:
            client.post("/api/vms/refresh")
        yield server
    finally:
        server.stop()
        server.stop_vms()


def test_token_required(seeded: ServerProcess) -> None:
    import httpx

    for headers in ({}, {"X-Local-Token": "wrong"}, {"X-Local-Token": ""}):
        response = httpx.get(f"{seeded.base_url}/api/vms", headers=headers)
        assert response.status_code in (401, 403)
        assert "detail" in response.json()
    assert httpx.get(f"{seeded.base_url}/api/nope", headers=seeded.headers).json() == {
        "detail": "Not Found"
    }


def test_unknown_vm_is_404(seeded: ServerProcess) -> None:
    with seeded.client() as client:
        for method, path in [
            ("GET", "/api/vms/ghost"),
            ("GET", "/api/vms/ghost/config"),
            ("POST", "/api/vms/ghost/start"),
            ("POST", "/api/vms/ghost/stop"),
            ("POST", "/api/vms/ghost/delete"),
        ]:
            response = client.request(method, path)
            assert response.status_code == 404, (path, response.text)
            assert "ghost" in response.json()["detail"]
        response = client.post("/api/vms/ghost/clone", json={"new_name": "x"})
        assert response.status_code == 404
        assert client.get("/api/tasks/nope").status_code == 404
        assert client.get("/api/tasks/active").json() == []


def test_names_with_slashes_work_encoded_or_not(seeded: ServerProcess) -> None:
    with seeded.client() as client:
        for path in (IMAGE, quote(IMAGE, safe=""), quote(IMAGE, safe="/")):
            response = client.get(f"/api/vms/{path}")
            assert response.status_code == 200, path
            assert response.json()["name"] == IMAGE
        # a base image must be cloned before it can be started
        response = client.post(f"/api/vms/{quote(IMAGE, safe='')}/start")
        assert response.status_code == 409
        assert "clone" in response.json()["detail"]


def test_existing_target_names_are_never_overwritten(seeded: ServerProcess) -> None:
    with seeded.client() as client:
        for new_name in ("alpha", "ALPHA"):
            response = client.post("/api/vms/alpha/clone", json={"new_name": new_name})
            assert response.status_code == 409, response.text
            response = client.post("/api/vms/create", json={"name": new_name, "source_vm": IMAGE})
            assert response.status_code == 409
        assert client.get("/api/tasks/active").json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"new_name": "-rf"},
        {"new_name": "a/b"},
        {"new_name": ""},
        {"new_name": "x" * 129},
        {"new_name": "orchard-vm"},
        {"new_name": "refresh"},
        {},
    ],
)
def test_bad_clone_bodies_are_422(seeded: ServerProcess, body: dict[str, str]) -> None:
    with seeded.client() as client:
        response = client.post("/api/vms/alpha/clone", json=body)
        assert response.status_code == 422
        assert response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"oci_url": "not a reference"},
        {"oci_url": "--help"},
        {"oci_url": ""},
        {"oci_url": "ghcr.io/a/b@md5:123"},
        {},
    ],
)
def test_bad_pull_bodies_are_422(seeded: ServerProcess, body: dict[str, str]) -> None:
    with seeded.client() as client:
        assert client.post("/api/vms/pull", json=body).status_code == 422


@pytest.mark.parametrize(
    "change",
    [
        {"cpu": 0},
        {"memory": 0},
        {"disk_size": -1},
        {"cpu": "many"},
        {"name": "bad name"},
        {"source_vm": "bad source!"},
    ],
)
def test_bad_create_bodies_are_422(seeded: ServerProcess, change: dict[str, object]) -> None:
    body = {"name": "new", "source_vm": IMAGE, "cpu": 4, "memory": 8, "disk_size": 50, **change}
    with seeded.client() as client:
        assert client.post("/api/vms/create", json=body).status_code == 422


def test_create_cannot_shrink_the_source_disk(seeded: ServerProcess) -> None:
    with seeded.client() as client:
        response = client.post(
            "/api/vms/create", json={"name": "small", "source_vm": "alpha", "disk_size": 10}
        )
        assert response.status_code == 422
        assert "50" in response.json()["detail"]


def test_busy_vm_is_409_naming_the_task(seeded: ServerProcess) -> None:
    seeded.tart("create", "busy", "--linux")
    with seeded.client() as client:
        client.post("/api/vms/refresh")
        start = client.post("/api/vms/busy/start").json()
        response = client.post("/api/vms/busy/delete")
        assert response.status_code == 409
        assert start["id"] in response.json()["detail"]
        assert seeded.wait_task(start["id"])["status"] == "completed"
        assert client.post("/api/vms/busy/delete").status_code == 409  # now: it is running


def test_pull_of_unknown_image_fails_with_tart_exit_code(seeded: ServerProcess) -> None:
    with seeded.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": "ghcr.io/nobody/nothing:1"}).json()
        done = seeded.wait_task(task["id"])
        assert done["status"] == "failed" and done["cancelled"] is False
        assert done["exit_code"] == 1
        assert "404" in done["stderr"]
        assert done["error"]


def test_failing_tart_fails_the_task_with_its_stderr(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(env_overrides={"TART_SIM_FAIL": "delete:1:disk is on fire"}).start()
    server.tart("create", "doomed", "--linux")
    with server.client() as client:
        client.post("/api/vms/refresh")
        done = server.wait_task(client.post("/api/vms/doomed/delete").json()["id"])
        assert done["status"] == "failed"
        assert done["exit_code"] == 1 and "disk is on fire" in done["stderr"]
        assert "disk is on fire" in done["error"]


def test_hanging_tart_times_out(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(
        env_overrides={"TART_SIM_HANG": "pull", "TARTVM_TART_LONG_TIMEOUT": "1.5"}
    ).start()
    with server.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": IMAGE}).json()
        started = time.monotonic()
        done = server.wait_task(task["id"], timeout=30)
        assert done["status"] == "failed"
        assert "did not finish within 1.5 s" in done["error"]
        assert time.monotonic() - started < 15


def test_missing_tart_is_a_clear_error(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(env_overrides={"TARTVM_TART_PATH": "/nonexistent/tart"}).start()
    with server.client() as client:
        response = client.get("/api/tart/version")
        assert response.status_code == 503
        assert "not installed" in response.json()["detail"]
        response = client.post("/api/vms/refresh")
        assert response.status_code == 503
        health = client.get("/api/health").json()
        assert health["status"] == "ok" and health["inventory_stale"] is True
        task = client.post("/api/vms/pull", json={"oci_url": IMAGE}).json()
        done = server.wait_task(task["id"])
        assert done["status"] == "failed" and "not installed" in done["error"]
