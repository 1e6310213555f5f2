"""The fake controller keeps orchard-api.md's contract: the backend's tests are only as good
as the fake, so its own rules are pinned here (small, through real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.fakes.orchard import FakeOrchard

Factory = Callable[..., FakeOrchard]
IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"


@pytest.fixture
def manual(fake_factory: Factory) -> Iterator[tuple[FakeOrchard, httpx.Client]]:
    """No timer: the scheduler moves only when the test calls `step()`; clock is ours."""
    clock = [1_800_000_000.0]
    fake = fake_factory(auto=False, phase_seconds=1, offline_after=60, restart_after=15)
    fake.store.clock = lambda: clock[0]
    fake.clock = clock  # type: ignore[attr-defined]
    fake.store.add_worker("mac-1")
    with httpx.Client(base_url=fake.url) as client:
        yield fake, client


def steps(fake: FakeOrchard, count: int = 1, seconds: float = 1.0) -> None:
    for _ in range(count):
        fake.clock[0] += seconds  # type: ignore[attr-defined]
        fake.scheduler.step()


def test_create_overwrites_and_defaults(manual: tuple[FakeOrchard, httpx.Client]) -> None:
    _fake, client = manual
    body = {"name": "a", "image": IMAGE, "status": "running", "netSoftnetAllow": ["10.0.0.0/8"]}
    created = client.post("/v1/vms", json=body)
    assert created.status_code == 200
    vm = created.json()
    assert vm["status"] == "pending" and vm["powerState"] == "running"
    assert vm["localName"] == f"orchard-a-{vm['uid']}-0" == vm["tartName"]
    assert vm["conditions"] == [{"type": "scheduled", "state": "false"}]
    assert vm["resources"] == {"org.cirruslabs.tart-vms": 1}
    assert vm["netSoftnet"] is True and vm["net-softnet"] is True
    assert (vm["os"], vm["arch"], vm["runtime"]) == ("darwin", "arm64", "tart")
    assert vm["restarted_at"] == "0001-01-01T00:00:00Z" and vm["generation"] == 0
    assert "version" not in vm and "restart_count" not in vm and "cpu" not in vm
    assert "version" in client.get("/v1/vms/a").json()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"image": IMAGE}, 412, "VM name is empty"),
        ({"name": "a/b", "image": IMAGE}, 412,
         "VM name name contains restricted characters, please only use [A-Za-z0-9:-_.]"),
        ({"name": "a"}, 412, "VM image is empty"),
        ({"name": "a", "image": IMAGE, "runtime": "vetu", "suspendable": True}, 412,
         'runtime "vetu" does not support field "suspendable"'),
        ({"name": "a", "image": IMAGE, "imagePullPolicy": "Never"}, 412,
         'unsupported image pull policy: "Never"'),
        ({"name": "a", "image": IMAGE, "cpu": "4"}, 400, "invalid JSON was provided"),
        ({"name": "a", "image": IMAGE, "os": "windows"}, 400, "invalid JSON was provided"),
        ({"name": "a", "image": IMAGE, "hostDirs": [{"name": "src", "path": "/src"}]}, 400,
         'host directory "src:/src" is disallowed by policy, check your cluster settings'),
    ],
)  # fmt: skip
def test_create_validation(
    manual: tuple[FakeOrchard, httpx.Client], body: dict[str, object], status: int, message: str
) -> None:
    _fake, client = manual
    response = client.post("/v1/vms", json=body)
    assert (response.status_code, response.json()) == (status, {"message": message})


def test_put_rules_and_generation(manual: tuple[FakeOrchard, httpx.Client]) -> None:
    _fake, client = manual
    vm = client.post("/v1/vms", json={"name": "a", "image": IMAGE}).json()
    assert client.put("/v1/vms/a", json={**vm, "os": "linux"}).json() == {
        "message": '"os", "arch" and "runtime" fields cannot be modified'
    }
    assert client.put("/v1/vms/a", json={**vm, "cpu": 99}).json()["generation"] == 0
    assert client.put("/v1/vms/a", json={**vm, "powerState": "off"}).status_code == 412
    stopped = client.put("/v1/vms/a", json={**vm, "powerState": "stopped"}).json()
    assert stopped["generation"] == 1 and "cpu" not in stopped
    again = client.put("/v1/vms/a", json=stopped)
    assert again.json()["message"].endswith("cannot transition from a terminal power state")
    assert client.put("/v1/vms/nope", json=vm).status_code == 404
    assert client.put("/v1/vms/nope", json=vm).content == b""


def test_scheduler_slots_stop_and_offline(manual: tuple[FakeOrchard, httpx.Client]) -> None:
    fake, client = manual
    for name in ("a", "b", "c"):
        client.post("/v1/vms", json={"name": name, "image": IMAGE})
    steps(fake)
    placed = {v["name"]: v.get("worker") for v in client.get("/v1/vms").json()}
    assert placed == {"a": "mac-1", "b": "mac-1", "c": None}  # 2 macOS slots
    messages = []
    for _ in range(3):
        steps(fake)
        messages.append(fake.vm("a").get("status_message"))
    assert messages == ["cloning VM...", "configuring VM...", "VM started"]
    a = fake.vm("a")
    assert a["status"] == "running" and a["started_at"] != "0001-01-01T00:00:00Z"
    client.put("/v1/vms/a", json={**a, "powerState": "stopped"})
    steps(fake)
    a = fake.vm("a")
    assert (a["status_message"], a["observedGeneration"]) == ("Stopping VM", 1)
    steps(fake, 2)  # slot released, then the queued VM takes it
    assert fake.vm("c")["worker"] == "mac-1"
    fake.store.silent.add("mac-1")
    steps(fake, seconds=61)
    assert fake.vm("b")["status"] == "failed"
    assert fake.vm("b")["status_message"] == (
        "VM is assigned to a worker that lost connection with the controller"
    )


def test_on_failure_restart(manual: tuple[FakeOrchard, httpx.Client]) -> None:
    fake, client = manual
    fake.store.failures[IMAGE] = "VM failed: VM exited unexpectedly"
    client.post("/v1/vms", json={"name": "r", "image": IMAGE, "restart_policy": "OnFailure"})
    steps(fake, 5)
    assert fake.vm("r")["status"] == "failed"
    del fake.store.failures[IMAGE]
    steps(fake, seconds=16)
    restarted = fake.vm("r")
    assert restarted["restart_count"] == 1 and restarted["localName"].endswith("-1")
    assert restarted["status"] in ("pending", "running") and restarted["powerState"] == "running"


def test_events_pages_and_cursor(manual: tuple[FakeOrchard, httpx.Client]) -> None:
    _fake, client = manual
    client.post("/v1/vms", json={"name": "e", "image": IMAGE})
    lines = [{"kind": "log_line", "timestamp": 100 + i, "payload": f"l{i}"} for i in range(5)]
    assert client.post("/v1/vms/e/events", json=lines).status_code == 200
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/vms/e/events", params=params)
        seen += [e["payload"] for e in page.json()]
        cursor = page.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert seen == ["l0", "l1", "l2", "l3", "l4"]
    newest = client.get("/v1/vms/e/events", params={"limit": 1, "order": "DESC"}).json()
    assert newest == [lines[4]]
    assert client.get("/v1/vms/e/events", params={"limit": "0"}).json() == {
        "message": 'invalid limit "0": expected positive integer'
    }
    assert client.get("/v1/vms/e/events", params={"order": "up"}).json() == {
        "message": 'invalid order "up": expected asc or desc'
    }
    assert client.get("/v1/vms/e/events", params={"cursor": "bm9wZQ"}).status_code == 400
    assert client.get("/v1/vms/nope/events").status_code == 404


def test_auth_roles_and_empty_401(fake_factory: Factory) -> None:
    fake = fake_factory(dev=False)
    fake.store.add_account("reader", "r", ["compute:read"])
    with httpx.Client(base_url=fake.url) as client:
        assert client.get("/v1/").status_code == 200
        anonymous = client.get("/v1/vms")
        assert (anonymous.status_code, anonymous.content) == (401, b"")
        assert client.get("/v1/vms", auth=("reader", "x")).status_code == 401
        assert client.get("/v1/vms", auth=("reader", "r")).json() == []
        denied = client.post("/v1/vms", auth=("reader", "r"), json={"name": "a", "image": "i"})
        assert denied.status_code == 401
        assert denied.json() == {
            "message": "all of the following roles must be present: compute:write"
        }
        ip = client.get("/v1/vms/a/ip", auth=("reader", "r"))
        assert ip.json()["message"].startswith("any of the following roles must be present")
        assert client.get("/v1/controller/info", auth=("reader", "r")).status_code == 200


def test_watch_added_modified_deleted(fake: FakeOrchard) -> None:
    with httpx.Client(base_url=fake.url, timeout=10) as client:
        client.post("/v1/vms", json={"name": "w", "image": IMAGE})
        kinds = []
        with client.stream("GET", "/v1/vms/w", params={"watch": "true"}) as stream:
            assert stream.headers["content-type"] == "application/x-ndjson"
            for line in stream.iter_lines():
                event = json.loads(line)
                kinds.append(event["type"])
                if event["type"] == "DELETED":
                    assert "name" not in event["object"] and event["object"]["generation"] == 0
                    break
                if event["object"].get("status") == "running":
                    client.delete("/v1/vms/w")
    assert kinds[0] == "ADDED" and kinds[-1] == "DELETED" and "MODIFIED" in kinds


def test_ip_wait_semantics(fake: FakeOrchard) -> None:
    with httpx.Client(base_url=fake.url, timeout=10) as client:
        fake.store.workers["mac-1"]["scheduling_paused"] = True
        client.post("/v1/vms", json={"name": "i", "image": IMAGE})
        queued = client.get("/v1/vms/i/ip", params={"wait": 1})
        assert queued.json() == {"message": "VM is not running on '' worker"}
        assert queued.status_code == 408
        assert client.get("/v1/vms/i/ip", params={"wait": "x"}).status_code == 400
        fake.store.workers["mac-1"]["scheduling_paused"] = False
        assert client.get("/v1/vms/i/ip", params={"wait": 5}).json()["ip"].startswith("192.168.")
        fake.store.unreachable.add("mac-1")
        assert client.get("/v1/vms/i/ip", params={"wait": 5}).status_code == 503


def test_workers_registration_and_settings(manual: tuple[FakeOrchard, httpx.Client]) -> None:
    _fake, client = manual
    body = {"name": "mac-9", "machine_id": "m1", "resources": {"org.cirruslabs.tart-vms": 2}}
    assert client.post("/v1/workers", json=body).json()["arch"] == "arm64"
    clash = client.post("/v1/workers", json={**body, "machine_id": "m2"})
    assert clash.status_code == 409
    worker = client.get("/v1/workers/mac-9").json()
    paused = client.put("/v1/workers/ignored-path-name", json={**worker, "scheduling_paused": True})
    assert paused.json()["scheduling_paused"] is True  # the body's name decides
    assert client.post("/v1/workers", json=body).json()["scheduling_paused"] is True  # kept
    assert client.get("/v1/cluster-settings").json() == {}
    assert client.get("/v1/no-such-route").text == "404 page not found"
