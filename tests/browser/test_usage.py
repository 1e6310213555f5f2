"""Live usage in Chromium against tart-sim: a sparkline on each running VM's card, fed by one
`/ws/usage` socket for the whole page (no polling per VM), and the details' Usage section with
the guest's own load from `tart exec`."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OFFLINE_CATALOG, UI
from tests.console.conftest import CONSOLE_ENV

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def ui(server_factory: Any, make_ui: Any) -> UI:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, **CONSOLE_ENV}).start()
    return make_ui(server)


def test_a_sparkline_per_running_vm_over_one_socket(ui: UI) -> None:
    sockets: list[str] = []
    ui.page.on("websocket", lambda ws: sockets.append(ws.url))
    ui.seed("alpha", "beta", "resting")
    for name in ("alpha", "beta"):
        task = ui.api("POST", f"/api/vms/{name}/start", json={"display": "none"})
        assert ui.server.wait_task(task["id"])["status"] == "completed"
    ui.launch()
    for name in ("alpha", "beta"):
        line = ui.card(name).locator(f'[data-usage="{name}"] polyline')
        # a line needs two samples (the first CPU reading has nothing to compare with)
        ui.wait_until(lambda line=line: (line.get_attribute("points") or "").strip(), timeout=20)
        label = ui.card(name).locator(".sparkline").get_attribute("aria-label") or ""
        assert label.startswith("CPU ") and "(tart run, last 10 minutes)" in label
    expect(ui.card("resting").locator("[data-usage]")).to_have_count(0)
    usage_sockets = [url for url in sockets if "/ws/usage" in url]
    assert len(usage_sockets) == 1
    assert not [r for r in ui.api_requests if "usage" in r["url"]]

    # the details: the guest's own view (tart exec), and the host
    drawer = ui.details("alpha")
    section = drawer.locator('[data-usage-section="alpha"]')
    ui.wait_until(lambda: "Guest load" in section.inner_text(), timeout=20)
    text = section.inner_text()
    assert "Guest memory" in text and "Guest disk" in text and "This Mac" in text
    assert len([url for url in sockets if "/ws/usage" in url]) == 1  # still the same socket
