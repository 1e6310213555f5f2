"""Issue 16.2: a Linux guest's default start is `--vnc-experimental --no-graphics` (Tart's `--vnc`
gives up after 60 s without the guest's IP, and Linux guests have no Screen Sharing); macOS
guests keep the seed's `--vnc --no-graphics`; remembered options win. The password-carrying URL
reaches the console route only."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def test_a_linux_guest_starts_with_the_frameworks_vnc(lab: Lab) -> None:
    lab.seed("lin")
    lab.seed("mac", "darwin")
    state = lab.get("/api/vms/lin/start-options")
    assert state["options"]["display"] == "vnc-experimental" and state["saved"] is False
    assert state["command"] == ["tart", "run", "--vnc-experimental", "--no-graphics", "lin"]
    assert lab.get("/api/vms/mac/start-options")["command"][2:4] == ["--vnc", "--no-graphics"]
    done = lab.start("lin")
    assert lab.run_args("lin") == ["--vnc-experimental", "--no-graphics"]
    assert re.fullmatch(r"vnc://127\.0\.0\.1:\d+", done["result"]["vnc_url"])
    password = lab.get("/api/vms/lin/console")["password"]  # the client that asks gets it
    assert re.fullmatch(r"[a-z]+(-[a-z]+){3}", password)
    with lab.server.client() as http:
        texts = [
            http.get(f"/api/tasks/{done['id']}").text,
            http.get("/api/tasks", params={"vm": "lin"}).text,
            http.get("/api/vms/lin/logs/latest").text,
        ]
    texts.append(lab.server.log_path.read_text())
    for path in lab.server.home.rglob("*"):  # task history (with its WAL), records
        if path.is_file() and "runs" not in path.parts:  # the run log is tart's own output
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    with sqlite3.connect(lab.server.home / "tasks.sqlite3") as db:
        rows = [str(row) for table in _tables(db) for row in db.execute(f"SELECT * FROM {table}")]
    assert any(done["id"] in row for row in rows)
    texts.extend(rows)
    for text in texts:
        assert password not in text
    lab.act("/api/vms/lin/stop")
    lab.start("mac")
    assert lab.run_args("mac") == ["--vnc", "--no-graphics"]
    lab.act("/api/vms/mac/stop")


def test_remembered_options_win_over_the_guests_default(lab: Lab) -> None:
    lab.seed("lin")
    with lab.server.client() as client:
        saved = client.put("/api/vms/lin/start-options", json={"display": "vnc"}).json()
    assert saved["command"][2:4] == ["--vnc", "--no-graphics"]
    lab.start("lin")
    assert lab.run_args("lin") == ["--vnc", "--no-graphics"]
    lab.act("/api/vms/lin/stop")
    # options saved without a display keep following the guest's OS
    with lab.server.client() as client:
        client.put("/api/vms/lin/start-options", json={"network": "softnet"}).raise_for_status()
    lab.start("lin")
    assert lab.run_args("lin") == ["--vnc-experimental", "--no-graphics", "--net-softnet"]
    lab.act("/api/vms/lin/stop")


def test_a_vnc_start_without_an_ip_fails_with_the_reason(make_lab) -> None:  # type: ignore[no-untyped-def]
    lab = make_lab(TART_SIM_VNC_IP_TIMEOUT="1", TART_SIM_NO_IP="mac")
    lab.seed("mac", "darwin")
    final = lab.done(lab.post("/api/vms/mac/start"), "failed")
    assert "IPNotFound" in final["error"] and "vnc-experimental" in final["error"], final
    assert not final["error"].startswith("Error")


def _tables(db: sqlite3.Connection) -> list[str]:
    return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
