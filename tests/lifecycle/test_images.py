"""Images both ways through the real server and tart-sim: registry logins, push, export, import."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration

SECRET = "pw-Zq8!x%2Fsecret"
"""A password with characters that change under URL encoding, to find it in any form."""


def _poll(lab: Lab, task_id: str, seen: list[float | None], until: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + until
    while True:
        task = lab.get(f"/api/tasks/{task_id}")
        seen.append(task.get("progress"))
        if task["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return dict(task)
        time.sleep(0.03)


def _cancel(lab: Lab, task: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while lab.get(f"/api/tasks/{task['id']}")["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)  # the tart process is under way
    lab.post(f"/api/tasks/{task['id']}/cancel")
    return dict(lab.done(task, "failed"))


# --- registries --------------------------------------------------------------------------


def test_login_list_logout_and_the_password_goes_nowhere_but_stdin(
    make_lab: Any, tmp_path: Path
) -> None:
    trace = tmp_path / "trace.log"
    lab: Lab = make_lab(TART_SIM_LOGIN_PASSWORD=SECRET, TART_SIM_TRACE=str(trace))
    assert lab.get("/api/registries")["registries"] == []
    body = {"host": "registry.example.com:5000", "username": "ci-bot", "password": SECRET}
    registry = lab.post("/api/registries/login", body)
    assert (registry["host"], registry["username"]) == ("registry.example.com:5000", "ci-bot")
    listed = lab.get("/api/registries")["registries"]
    assert [(r["host"], r["username"]) for r in listed] == [("registry.example.com:5000", "ci-bot")]

    # A wrong password: the registry's refusal as a 422 sentence, and the host is forgotten.
    wrong = lab.request("POST", "/api/registries/login", {**body, "password": "nope"})
    assert wrong.status_code == 422, wrong.text
    assert "refused the user name or password" in wrong.json()["detail"]
    assert lab.get("/api/registries")["registries"] == []

    # Bad input names the field and never echoes the password.
    bad = lab.request("POST", "/api/registries/login", {**body, "host": "https://x/y"})
    assert bad.status_code == 422 and "host" in bad.text and SECRET not in bad.text
    missing = lab.request("POST", "/api/registries/login", {"password": SECRET})
    assert missing.status_code == 422 and SECRET not in missing.text

    lab.post("/api/registries/login", body)
    assert lab.post("/api/registries/registry.example.com:5000/logout")["registries"] == []
    assert lab.get("/api/registries")["registries"] == []

    # The password reached `tart login` (the sim accepted it) and was written nowhere: not
    # in argv (the trace records every argv), the server log, the state folder (task
    # history, run logs, registries.json) or Tart's folder.
    assert "login registry.example.com:5000 --username ci-bot --password-stdin" in (
        trace.read_text()
    )
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for form in (SECRET, SECRET.replace("%", "%25"), "pw-Zq8"):
                assert form.encode() not in data, f"{form!r} found in {path}"


def test_an_unreachable_registry_is_a_502_not_a_401(make_lab: Any) -> None:
    lab: Lab = make_lab(
        TART_SIM_FAIL="login:1:invalid credentials: Error Domain=NSURLErrorDomain Code=-1004 "
        '"Could not connect to the server."'
    )
    response = lab.request(
        "POST",
        "/api/registries/login",
        {"host": "nowhere.example", "username": "u", "password": "p"},
    )
    assert response.status_code == 502, response.text
    assert "cannot be reached" in response.json()["detail"]


# --- push --------------------------------------------------------------------------------


def test_push_to_several_tags_with_progress(make_lab: Any) -> None:
    lab: Lab = make_lab(TART_SIM_PUSH_SECONDS="1.5", TART_SIM_PROGRESS_INTERVAL="0.05")
    lab.seed("golden")
    targets = ["registry.example.com/acme/golden:1.0", "registry.example.com/acme/golden:latest"]
    task = lab.post("/api/vms/golden/push", {"remote_names": targets, "labels": {"team": "ci"}})
    assert task["action"] == "push" and task["vm"] == "golden"
    seen: list[float | None] = []
    final = _poll(lab, task["id"], seen)
    assert final["status"] == "completed", (final["error"], final["logs"])
    assert any(p is not None and 0 < p < 100 for p in seen), seen
    assert final["progress"] == 100
    logs = "\n".join(final["logs"])
    assert "pushing manifest for 1.0..." in logs and "pushing manifest for latest..." in logs
    assert "--label team=ci" in " ".join(final["command"] or [])
    # What was pushed can be pulled back (the simulator's registry kept it).
    pulled = lab.act("/api/vms/pull", {"oci_url": targets[1]})
    assert pulled["status"] == "completed"


def test_push_refusals(lab: Lab) -> None:
    lab.seed("golden")
    bad = lab.request("POST", "/api/vms/golden/push", {"remote_names": ["not a reference"]})
    assert bad.status_code == 422 and "remote_names" in bad.text
    assert lab.request("POST", "/api/vms/golden/push", {"remote_names": []}).status_code == 422
    newline = lab.request("POST", "/api/vms/golden/push", {"remote_names": ["ghcr.io/a/b:1\n"]})
    assert newline.status_code == 422
    ghost = lab.request("POST", "/api/vms/ghost/push", {"remote_names": ["ghcr.io/a/b:1"]})
    assert ghost.status_code == 404
    lab.start("golden")
    running = lab.request("POST", "/api/vms/golden/push", {"remote_names": ["ghcr.io/a/b:1"]})
    assert running.status_code == 409 and "running" in running.json()["detail"]


def test_a_registry_refusal_fails_the_push_with_a_sentence(make_lab: Any) -> None:
    lab: Lab = make_lab(
        TART_SIM_FAIL='push:1:Error: UnexpectedHTTPStatusCode(when: "pushing manifest", '
        'code: 401, details: "")'
    )
    lab.seed("golden")
    final = lab.act("/api/vms/golden/push", {"remote_names": ["ghcr.io/a/b:1"]}, "failed")
    assert not final["error"].startswith("Error: ")
    assert "401" in final["error"] or "refused" in final["error"]


def test_cancel_a_push_releases_the_vm(make_lab: Any) -> None:
    lab: Lab = make_lab(TART_SIM_PUSH_SECONDS="60")
    lab.seed("golden")
    task = lab.post("/api/vms/golden/push", {"remote_names": ["ghcr.io/a/b:1"]})
    _cancel(lab, task)
    assert lab.tart_state("golden") == "stopped"  # Tart's lock is gone with the push
    lab.start("golden")


# --- export and import -------------------------------------------------------------------


def test_export_then_import(lab: Lab, tmp_path: Path) -> None:
    lab.seed("golden", cpu=3)
    target = tmp_path / "golden.tvm"
    final = lab.act("/api/vms/golden/export", {"path": str(target)})
    assert target.is_file() and final["progress"] == 100
    assert not list(tmp_path.glob(".*partial"))
    again = lab.request("POST", "/api/vms/golden/export", {"path": str(target)})
    assert again.status_code == 409 and "overwrite" in again.json()["detail"]
    lab.act("/api/vms/golden/export", {"path": str(target), "overwrite": True})

    imported = lab.act("/api/vms/import", {"path": str(target), "name": "copy"})
    assert imported["vm"] == "copy"
    vm = lab.vm("copy")
    assert vm["cpu"] == 3 or vm["cpu"] is None  # details may arrive after the list
    taken = lab.request("POST", "/api/vms/import", {"path": str(target), "name": "golden"})
    assert taken.status_code == 409 and "already exists" in taken.json()["detail"]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("relative/golden.tvm", "absolute"),
        ("/tmp/../etc/golden.tvm", ".."),
        ("/no/such/folder/golden.tvm", "does not exist"),
        ("/tmp/golden.tvm\n", "control character"),
        ("/tmp/", "folder"),
    ],
)
def test_export_paths_are_checked(lab: Lab, path: str, says: str) -> None:
    lab.seed("golden")
    response = lab.request("POST", "/api/vms/golden/export", {"path": path})
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"] and "path" in response.json()["detail"]


def test_import_refusals(lab: Lab, tmp_path: Path) -> None:
    missing = lab.request(
        "POST", "/api/vms/import", {"path": str(tmp_path / "no.tvm"), "name": "x"}
    )
    assert missing.status_code == 422 and "path" in missing.json()["detail"]
    relative = lab.request("POST", "/api/vms/import", {"path": "a.tvm", "name": "x"})
    assert relative.status_code == 422
    bad_name = lab.request("POST", "/api/vms/import", {"path": "/tmp/a.tvm", "name": "-x"})
    assert bad_name.status_code == 422 and "name" in bad_name.text


def test_a_cancelled_export_keeps_the_old_file(make_lab: Any, tmp_path: Path) -> None:
    lab: Lab = make_lab(TART_SIM_EXPORT_SECONDS="60")
    lab.seed("golden")
    exports = tmp_path / "exports"
    exports.mkdir()
    target = exports / "golden.tvm"
    target.write_text("the export of last week")
    task = lab.post("/api/vms/golden/export", {"path": str(target), "overwrite": True})
    _cancel(lab, task)
    assert target.read_text() == "the export of last week"
    assert [p.name for p in exports.iterdir()] == ["golden.tvm"]  # no partial file left


def test_a_cancelled_import_leaves_nothing(make_lab: Any, tmp_path: Path) -> None:
    lab: Lab = make_lab(TART_SIM_IMPORT_SECONDS="60")
    lab.seed("golden")
    target = tmp_path / "golden.tvm"
    lab.server.tart("export", "golden", str(target))
    task = lab.post("/api/vms/import", {"path": str(target), "name": "copy"})
    _cancel(lab, task)
    assert not (lab.server.tart_home / "vms" / "copy").exists()
    staging = lab.server.tart_home / "tmp"
    assert not staging.exists() or not any(staging.iterdir())
    assert lab.request("GET", "/api/vms/copy").status_code == 404
