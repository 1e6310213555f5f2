"""The serial console in Chromium, against tart-sim: started from the start-options dialog
(its Serial console checkbox), the Serial tab shows the guest's login prompt, and what is
typed there logs in and runs a command."""

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
    return make_ui(server, viewport={"width": 1440, "height": 900})


def test_the_serial_tab_logs_in_to_the_guest(ui: UI) -> None:
    ui.seed("ttyvm")
    ui.launch()
    drawer = ui.details("ttyvm")
    drawer.get_by_role("button", name="Options for starting ttyvm").click()
    ui.page.get_by_role("menuitem", name="Start with options…").click()
    dialog = ui.page.get_by_role("dialog", name="Start with options")
    dialog.get_by_label("Headless").check()
    dialog.get_by_label("Serial console").check()
    expect(dialog.locator(".command-line")).to_contain_text("--serial-path /dev/ttysNNN")
    dialog.get_by_role("button", name="Start", exact=True).click()
    expect(dialog).to_have_count(0)
    ui.page.locator('article.vm-card[data-vm="ttyvm"][data-status="running"]').wait_for()

    drawer.get_by_role("tab", name="Serial").click()
    drawer.locator('.vm-pane-serial[data-state="connected"]').wait_for()
    rows = drawer.locator(".vm-pane-serial .xterm-rows")
    ui.wait_until(lambda: "ttyvm login:" in rows.inner_text(), timeout=20)
    drawer.locator(".vm-pane-serial .xterm").click()
    ui.page.keyboard.type("admin")
    ui.page.keyboard.press("Enter")
    ui.wait_until(lambda: "Password:" in rows.inner_text())
    ui.page.keyboard.type("admin")
    ui.page.keyboard.press("Enter")
    ui.wait_until(lambda: "admin@ttyvm:~$" in rows.inner_text())
    ui.page.keyboard.type("echo from the browser")
    ui.page.keyboard.press("Enter")
    ui.wait_until(
        lambda: "from the browser" in [line.strip() for line in rows.inner_text().splitlines()]
    )


def test_a_vm_without_a_serial_console_says_how_to_get_one(ui: UI) -> None:
    ui.seed("plainvm")
    task = ui.api("POST", "/api/vms/plainvm/start", json={"display": "none"})
    assert ui.server.wait_task(task["id"])["status"] == "completed"
    ui.launch()
    drawer = ui.details("plainvm")
    drawer.get_by_role("tab", name="Serial").click()
    pane = drawer.locator('.vm-pane-serial[data-state="closed"][data-code="no_serial"]')
    pane.wait_for()
    assert "start it with the start option Serial console" in pane.inner_text()
