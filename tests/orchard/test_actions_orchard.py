"""`GET /api/vms/{name}/actions` in Orchard mode: every verdict comes from the backend's own
`check`, so what the page offers is exactly what the API then accepts, and what Orchard
cannot do at all is listed in `unsupported` with what it offers instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from taartenfabriek.backends.orchard.mapping import phase
from tests.fakes.orchard import FakeOrchard
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
Start = Callable[..., ServerProcess]

ROUTES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "start": ("POST", "start", None),
    "resume": ("POST", "resume", None),
    "suspend": ("POST", "suspend", None),
    "shutdown": ("POST", "shutdown", None),
    "stop": ("POST", "stop", None),
    "edit": ("PATCH", "config", {"cpu": 2}),
    "rename": ("POST", "rename", {"new_name": "renamed"}),
    "delete": ("POST", "delete", {}),
    "clone": ("POST", "clone", {"new_name": "a-clone"}),
}


def running(fake: FakeOrchard, server: ServerProcess, name: str, **spec: Any) -> None:
    fake.store.create_vm({"name": name, "image": IMAGE, **spec})
    fake.wait_for(lambda: fake.vm(name)["status"] == "running")
    with server.client() as client:
        client.post("/api/vms/refresh")


def actions(server: ServerProcess, name: str) -> dict[str, Any]:
    with server.client() as client:
        response = client.get(f"/api/vms/{name}/actions")
    assert response.status_code == 200, response.text
    return dict(response.json())


def refusals_match_the_api(server: ServerProcess, name: str, verdicts: dict[str, Any]) -> None:
    """Each refused action answers 409 with the very reason `/actions` gave (no task made)."""
    with server.client() as client:
        for action, (method, suffix, body) in ROUTES.items():
            state = verdicts[action]
            if state["allowed"]:
                continue
            response = client.request(method, f"/api/vms/{name}/{suffix}", json=body)
            assert response.status_code == 409, (action, response.text)
            assert response.json()["detail"] == state["reason"], action
        assert client.get("/api/tasks/active").json() == []


def test_a_running_vm(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    running(fake, server, "web")
    verdicts = actions(server, "web")
    assert verdicts["state"] == "running"
    allowed = {a for a in ROUTES if verdicts[a]["allowed"]}
    assert allowed == {"stop"}
    assert "not created suspendable" in verdicts["suspend"]["reason"]
    assert "only stopped VMs" in verdicts["clone"]["reason"]
    assert "stop it before deleting" in verdicts["delete"]["reason"]
    # what Orchard cannot do at all, as opposed to "not now"
    assert set(verdicts["unsupported"]) == {"suspend", "shutdown", "edit", "rename", "clone"}
    assert "Orchard cannot change the CPU" in verdicts["edit"]["reason"]
    refusals_match_the_api(server, "web", verdicts)


def test_a_stopped_vm_cannot_be_started_but_can_be_cloned(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    running(fake, server, "web")
    with server.client() as client:
        task = server.wait_task(client.post("/api/vms/web/stop").json()["id"])
    assert task["status"] == "completed", task
    verdicts = actions(server, "web")
    assert verdicts["state"] == "stopped"
    assert {a for a in ROUTES if verdicts[a]["allowed"]} == {"clone", "delete"}
    # before this route asked the backend, start was offered here and refused only on click
    assert "Clone it to get a running copy" in verdicts["start"]["reason"]
    assert "start" in verdicts["unsupported"]
    assert "resume" not in verdicts["unsupported"]  # "not suspended" says enough
    refusals_match_the_api(server, "web", verdicts)
    # and what it allows, it does
    with server.client() as client:
        clone = client.post("/api/vms/web/clone", json={"new_name": "copy"})
        assert clone.status_code == 200, clone.text
        assert server.wait_task(clone.json()["id"])["status"] == "completed"


def test_a_suspended_vm_cannot_be_resumed(fake: FakeOrchard, orchard_server: Start) -> None:
    server = orchard_server(fake.url)
    running(fake, server, "susp", suspendable=True)
    assert actions(server, "susp")["suspend"] == {"allowed": True, "reason": None}
    with server.client() as client:
        task = server.wait_task(client.post("/api/vms/susp/suspend").json()["id"])
    assert task["status"] == "completed", task
    verdicts = actions(server, "susp")
    assert verdicts["state"] == "suspended"
    assert "cannot start VM susp again" in verdicts["resume"]["reason"]
    assert {"start", "resume"} <= set(verdicts["unsupported"])
    refusals_match_the_api(server, "susp", verdicts)


def test_clone_refused_when_no_label_pins_the_worker(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    fake.store.add_worker("mac-2")
    server = orchard_server(fake.url)
    fake.store.workers["mac-2"]["scheduling_paused"] = True  # web lands on mac-1
    running(fake, server, "web")
    with server.client() as client:
        server.wait_task(client.post("/api/vms/web/stop").json()["id"])
    verdicts = actions(server, "web")
    assert not verdicts["clone"]["allowed"]
    assert "label" in verdicts["clone"]["reason"] and "clone" in verdicts["unsupported"]
    refusals_match_the_api(server, "web", verdicts)


def test_one_look_at_the_vm_per_request(fake: FakeOrchard, orchard_server: Start) -> None:
    """Nine verdicts, one `GET /v1/vms/{name}`: simultaneous looks share a request."""
    server = orchard_server(fake.url)
    running(fake, server, "web")
    before = len(fake.calls("GET", "/v1/vms/web"))
    actions(server, "web")
    assert len(fake.calls("GET", "/v1/vms/web")) - before == 1


def test_a_controller_outage_refuses_with_its_error(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    server = orchard_server(fake.url)
    running(fake, server, "web")
    fake.stop()
    verdicts = actions(server, "web")
    assert not verdicts["stop"]["allowed"]
    assert "cannot reach the Orchard controller" in verdicts["stop"]["reason"]
    assert "stop" not in verdicts["unsupported"]  # not "never": try again later


def test_the_seeds_actions_judge_the_vm_as_the_controller_has_it_now(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    """Start, stop and delete ask the controller (one `GET /v1/vms/{name}` per request), as
    `/actions` does: a VM stopped or deleted with the Orchard CLI since the last refresh gets
    its 404/409 at once, not a verdict on what the inventory remembers."""
    server = orchard_server(fake.url, TARTVM_REFRESH_INTERVAL="0")
    running(fake, server, "gone")
    running(fake, server, "halted")
    fake.store.delete_vm("gone")
    halted = fake.vm("halted")
    fake.store.update_vm("halted", {**halted, "powerState": "stopped"})
    fake.wait_for(lambda: phase(fake.vm("halted")) == "stopped")
    with server.client() as client:
        cached = {vm["name"]: vm["status"] for vm in client.get("/api/vms").json()}
        assert cached == {"gone": "running", "halted": "running"}  # no refresh since

        def post(name: str, action: str) -> Any:
            before = len(fake.calls("GET", f"/v1/vms/{name}"))
            response = client.post(f"/api/vms/{name}/{action}", json={})
            assert len(fake.calls("GET", f"/v1/vms/{name}")) - before == 1, action
            return response

        assert post("gone", "start").status_code == 404  # the cache said: already running
        verdicts = actions(server, "halted")
        for action in ("start", "stop"):
            response = post("halted", action)
            assert response.status_code == 409, response.text
            assert response.json()["detail"] == verdicts[action]["reason"], action
        assert "Clone it to get a running copy" in verdicts["start"]["reason"]
        deleted = post("halted", "delete")  # the cache said: running, stop it first
        assert deleted.status_code == 200, deleted.text
        assert server.wait_task(deleted.json()["id"])["status"] == "completed"
        assert client.get("/api/vms").json() == []


def test_start_options_are_refused_with_what_orchard_offers(
    fake: FakeOrchard, orchard_server: Start
) -> None:
    """Orchard has no `tart run` to give options to: saying so beats storing options that
    would never apply, or starting without the ones the request asked for."""
    server = orchard_server(fake.url)
    running(fake, server, "web-1")
    with server.client() as client:
        options = {"display": "none", "network": "softnet"}
        for method, suffix in (("PUT", "start-options"), ("POST", "start-options/preview")):
            response = client.request(method, f"/api/vms/web-1/{suffix}", json=options)
            assert response.status_code == 409, (suffix, response.text)
            assert "no `tart run` here to give start options to" in response.json()["detail"]
        fake.store.create_vm({"name": "queued-1", "image": IMAGE})
        client.post("/api/vms/refresh")
        for body in (options, {"serial": True}):  # a serial console is a start option too
            response = client.post("/api/vms/queued-1/start", json=body)
            assert response.status_code == 409, response.text
            assert "POST /api/vms/create" in response.json()["detail"]
        assert client.get("/api/tasks/active").json() == []
