"""An inventory of 1,000 VMs on 50 workers refreshes with ONE list call and nothing per VM."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.fakes.orchard import FakeOrchard
from tests.fakes.orchard.fleet import seed_fleet
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def test_refresh_of_1000_vms_is_one_list_call(
    fake_factory: Callable[..., FakeOrchard], orchard_server: Callable[..., ServerProcess]
) -> None:
    fake = fake_factory(auto=False)  # a frozen fleet: no scheduler writes while we count
    seed_fleet(fake.store, vms=1000, workers=50)
    server = orchard_server(fake.url)
    with server.client() as client:
        assert len(client.get("/api/vms").json()) == 1000  # waits for the first refresh
        time.sleep(0.5)  # room for any background per-VM filler to show itself
        # and the controller's version, read once for /api/health (the readiness check)
        assert sorted(fake.calls()) == [("GET", "/v1/controller/info"), ("GET", "/v1/vms")]

        fake.requests.clear()
        started = time.perf_counter()
        refreshed = client.post("/api/vms/refresh").json()
        elapsed = time.perf_counter() - started
        time.sleep(0.5)
        assert fake.calls() == [("GET", "/v1/vms")]

    assert len(refreshed) == 1000
    phases = {vm["phase"] for vm in refreshed}
    assert phases == {"running", "stopped", "creating", "failed"}
    assert all(vm["worker"] and vm["cpu"] == 4 and vm["memory"] == "8G" for vm in refreshed)
    assert elapsed < 5, f"refresh of 1,000 VMs took {elapsed:.2f} s"
