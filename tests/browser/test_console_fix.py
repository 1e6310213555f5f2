"""Issue 19, point 3: when the console cannot work (a Linux guest on Screen Sharing, which it
does not have; no IP yet), the Console tab shows the server's `/console` reason and the fix,
restart with Tart's built-in VNC, instead of a black box; the fix works."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_linux_guest_on_screen_sharing_gets_the_reason_and_the_fix(ui: UI) -> None:
    ui.seed("penguin")
    task = ui.api("POST", "/api/vms/penguin/start", json={"display": "vnc"})
    assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed"
    ui.launch()
    drawer = ui.details("penguin")
    drawer.get_by_role("tab", name="Console").click()
    pane = drawer.locator('.vm-pane-console[data-state="unavailable"]')
    pane.wait_for()
    info = ui.api("GET", "/api/vms/penguin/console")
    assert info["mode"] == "vnc" and info["reason"]
    assert pane.get_attribute("data-code") == "no_screen_sharing"
    assert info["reason"] in pane.inner_text()  # the server's own sentence
    assert pane.locator("canvas").count() == 0  # no black box
    fix = pane.get_by_role("button", name="Restart with Tart’s built-in VNC")
    fix.click()
    # Shut down, started again on Tart's VNC server: the screen connects.
    connected = drawer.locator('.vm-pane-console[data-state="connected"]')
    connected.wait_for(timeout=90_000)
    assert "Tart’s VNC server" in connected.locator(".vm-pane-state").inner_text()
    assert ui.api("GET", "/api/vms/penguin/console")["mode"] == "vnc-experimental"
