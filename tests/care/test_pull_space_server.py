"""A pull that cannot fit on the Tart volume is refused before any task is made."""

from __future__ import annotations

from typing import Any

import pytest

from tests.care.fake_registry import running_registry
from tests.server import ServerProcess, free_port

pytest.importorskip("taartenfabriek.sim.registry", reason="needs tart-sim (branch sim)")
pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
SMALL = "ghcr.io/cirruslabs/ubuntu:latest"


def test_pull_refused_for_space_then_allowed_when_it_fits(care_server: Any) -> None:
    with running_registry() as registry:
        server = care_server(
            env={
                "TARTVM_REGISTRY_URL": registry.url,
                "TARTVM_FREE_SPACE_OVERRIDE": "30",
            }
        ).start()
        with server.client() as client:
            refused = client.post("/api/vms/pull", json={"oci_url": IMAGE})
            assert refused.status_code == 507, refused.text
            detail = refused.json()["detail"]
            assert "not enough free space to pull " + IMAGE in detail
            assert "needs 50.1 GB free" in detail and "50.0 GB disk" in detail
            assert "has 30.0 GB free" in detail
            assert client.get("/api/tasks").json() == []  # no task was made
            assert client.get("/api/tasks/active").json() == []

            # a 20 GB Linux image fits in 30 GB: the task says what was checked
            task = client.post("/api/vms/pull", json={"oci_url": SMALL}).json()
            done = server.wait_task(task["id"])
            assert done["status"] == "completed", done
            (line,) = [ln for ln in done["logs"] if ln.startswith("free-space check")]
            assert "needs 20.1 GB free" in line and "30.0 GB free: fits" in line

            # pulling it again needs no room: the registry's digest is already cached
            task = client.post("/api/vms/pull", json={"oci_url": SMALL}).json()
            done = server.wait_task(task["id"])
            assert any("is already cached" in ln for ln in done["logs"]), done["logs"]


def test_unknown_size_skips_the_check_with_a_log_line(care_server: Any) -> None:
    server = care_server(
        env={
            "TARTVM_REGISTRY_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens
            "TARTVM_FREE_SPACE_OVERRIDE": "1",
        }
    ).start()
    with server.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": SMALL}).json()
        done = server.wait_task(task["id"])
        assert done["status"] == "completed", done
        assert done["logs"][0].startswith(f"free-space check skipped: the size of {SMALL}")
        assert "unreachable" in done["logs"][0]
    assert "free-space check skipped" in server.log_path.read_text()


def test_create_from_an_uncached_image_is_checked_too(care_server: Any) -> None:
    with running_registry() as registry:
        server = care_server(
            env={
                "TARTVM_REGISTRY_URL": registry.url,
                "TARTVM_FREE_SPACE_OVERRIDE": "10",
            }
        ).start()
        with server.client() as client:
            body = {"name": "dev", "source_vm": IMAGE, "cpu": 4, "memory": 8, "disk_size": 50}
            refused = client.post("/api/vms/create", json=body)
            assert refused.status_code == 507 and "has 10.0 GB free" in refused.json()["detail"]
            assert client.get("/api/tasks").json() == []


def test_storage_routes_need_the_token(server: ServerProcess) -> None:
    import httpx

    for method, path in (
        ("GET", "/api/storage"),
        ("POST", "/api/storage/prune/preview"),
        ("POST", "/api/storage/prune"),
        ("GET", "/api/vms/dev/logs"),
        ("GET", "/api/vms/dev/logs/latest"),
        ("PUT", "/api/vms/dev/ip-resolver"),
    ):
        answer = httpx.request(method, server.base_url + path, json={}, timeout=10)
        assert answer.status_code in (401, 403), (method, path, answer.status_code)


def test_room_that_tarts_own_pruning_makes(care_server: Any) -> None:
    """Tart prunes its caches before a pull (Prune.swift `reclaimIfNeeded`): 30 GB free plus
    25 GB of cached images fit a 50.1 GB image, with a warning; unless TART_NO_AUTO_PRUNE."""
    from taartenfabriek.sim.seed import seed_image

    with running_registry() as registry:
        for extra, fits in (({}, True), ({"TART_NO_AUTO_PRUNE": "1"}, False)):
            server = care_server(
                env={
                    "TARTVM_REGISTRY_URL": registry.url,
                    "TARTVM_FREE_SPACE_OVERRIDE": "30",
                    **extra,
                }
            )
            seed_image(server.tart_home, "ghcr.io/cirruslabs/debian:old", allocated_gb=25)
            server.start()
            with server.client() as client:
                client.post("/api/vms/refresh")
                answer = client.post("/api/vms/pull", json={"oci_url": IMAGE})
                if not fits:
                    assert answer.status_code == 507, answer.text
                    assert "TART_NO_AUTO_PRUNE is set" in answer.json()["detail"]
                    assert "purgeable" in answer.json()["detail"]
                    continue
                assert answer.status_code == 200, answer.text
                done = server.wait_task(answer.json()["id"])
                (line,) = [ln for ln in done["logs"] if "free-space check" in ln]
                assert line.startswith("warning: free-space check: ")
                assert "30.0 GB free: Tart will prune up to 20.1 GB" in line
                assert "macOS may free more" in line

    with running_registry() as registry:
        server = care_server(
            env={"TARTVM_REGISTRY_URL": registry.url, "TARTVM_FREE_SPACE_OVERRIDE": "30"}
        )
        seed_image(server.tart_home, "ghcr.io/cirruslabs/debian:old", allocated_gb=5)
        server.start()
        with server.client() as client:
            client.post("/api/vms/refresh")
            refused = client.post("/api/vms/pull", json={"oci_url": IMAGE})
            assert refused.status_code == 507, refused.text
            assert "Tart could free 5.0 GB of cached images and IPSWs" in refused.text
