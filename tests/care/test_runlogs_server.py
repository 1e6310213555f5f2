"""Run logs of a start and a stop, read through the API with secrets redacted."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.server import ServerProcess

seed = pytest.importorskip("taartenfabriek.sim.seed", reason="needs tart-sim (branch sim)")
pytestmark = pytest.mark.integration


def test_run_logs_of_a_start_and_a_stop(care_server: Any) -> None:
    server = care_server()
    seed.seed_vm(server.tart_home, "dev", os_name="darwin")  # macOS: the seed's --vnc
    server.start()
    with server.client() as client:
        assert client.get("/api/vms/dev/logs").json() == []
        latest = client.get("/api/vms/dev/logs/latest")
        assert latest.status_code == 404

        started = server.wait_task(client.post("/api/vms/dev/start").json()["id"])
        assert started["status"] == "completed", started
        ip = started["result"]["ip_address"]
        (run,) = client.get("/api/vms/dev/logs").json()
        assert run["vm"] == "dev" and run["live"] is True and run["ended_at"] is None
        assert run["command"][1:] == ["run", "--vnc", "--no-graphics", "dev"]
        assert run["started_at"] <= started["updated_at"]

        stopped = server.wait_task(client.post("/api/vms/dev/stop").json()["id"])
        assert stopped["status"] == "completed", stopped
        (run,) = client.get("/api/vms/dev/logs").json()
        assert run["live"] is False and run["exit_code"] == 0 and run["ended_at"] is not None
        text = client.get("/api/vms/dev/logs/latest").json()
        assert text["id"] == run["id"] and text["truncated"] is False
        assert f"VNC server is running at vnc://{ip}" in text["text"]
        assert "Stopping VM..." in text["text"]
        assert text["lines"] == text["text"].count("\n") >= 2
        assert client.get(f"/api/vms/dev/logs/{run['id']}").json()["text"] == text["text"]
        tail = client.get("/api/vms/dev/logs/latest", params={"tail": 1}).json()
        assert tail["text"] == "Stopping VM...\n" and tail["truncated"] is True

        # a second run is listed first; runs are kept per VM on disk
        assert server.wait_task(client.post("/api/vms/dev/start").json()["id"])["status"] == (
            "completed"
        )
        runs = client.get("/api/vms/dev/logs").json()
        assert [r["live"] for r in runs] == [True, False] and runs[1]["id"] == run["id"]
        folder = server.home / "logs" / "runs" / "dev"
        assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".json", ".log", ".log"]

        for bad in ("nope", "..%2F..%2Ftoken", "20260101T000000-000"):
            assert client.get(f"/api/vms/dev/logs/{bad}").status_code == 404
        assert client.get("/api/vms/ghost/logs").status_code == 404


def test_secrets_in_run_logs_are_redacted(server: ServerProcess) -> None:
    # a run log as `tart run --vnc-experimental` writes it (written here: the start
    # options that choose that display belong to another part of the app)
    folder = server.home / "logs" / "runs" / "gone"
    folder.mkdir(parents=True)
    log = folder / "20260101T100000-000.log"
    log.write_text(
        "VNC server is running at vnc://:abandon-ability-able-about@127.0.0.1:5901\n"
        "fetching https://x/?token=s3cr3t\n"
    )
    (folder / "20260101T100000-000.json").write_text(
        json.dumps({"vm": "gone", "argv": ["tart", "run", "gone"], "started_at": 1.0})
    )
    with server.client() as client:
        (run,) = client.get("/api/vms/gone/logs").json()  # the VM is gone, its logs are not
        text = client.get("/api/vms/gone/logs/latest").json()["text"]
    assert run["id"] == "20260101T100000-000" and run["live"] is False
    assert "abandon" not in text and "s3cr3t" not in text
    assert "vnc://:[redacted]@127.0.0.1:5901" in text


def test_open_prints_the_launch_url_of_a_running_server(server: ServerProcess) -> None:
    command = [sys.executable, "-m", "taartenfabriek", "open", "--print"]
    command += ["--home", str(server.home), "--port", str(server.port)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"http://127.0.0.1:{server.port}/?token={server.token}"
    server.stop()
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1 and "No server answers" in done.stderr
