"""Issue 19, point 7: with the server gone the banner says it cannot be reached, every action
is disabled with that reason, running tasks' time and progress read "unknown"; when it is back
the page reloads its state at once (not at its next poll)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

IMAGE = "ghcr.io/cirruslabs/ubuntu:latest"
DESCRIPTION = """el => (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
    .map(id => document.getElementById(id)?.textContent || '').join(' ')"""


def test_the_page_says_the_server_is_gone_and_comes_back_at_once(
    server_factory: Any, make_ui: Any
) -> None:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TART_SIM_PULL_SECONDS": "120"})
    ui: UI = make_ui(server.start())
    ui.seed("alpha", "beta")
    ui.launch()
    pull = ui.api("POST", "/api/vms/pull", json={"oci_url": IMAGE})
    task = ui.page.locator(f'li.task[data-task="{pull["id"]}"]')
    task.locator(".pct", has_text="%").wait_for(timeout=30_000)

    ui.details("alpha")  # its module loaded while the server could send it
    ui.page.keyboard.press("Escape")

    ui.server.stop()
    banner = ui.page.get_by_role("alert").filter(has_text="The server cannot be reached")
    banner.wait_for(timeout=30_000)
    # Every action of every VM is disabled, and says why.
    buttons = ui.page.locator("main .card-actions button, main .page-actions button")
    assert buttons.count() >= 8
    for index in range(buttons.count()):
        button = buttons.nth(index)
        assert button.is_disabled(), button.get_attribute("aria-label")
        assert "actions are disabled" in button.evaluate(DESCRIPTION).lower()
    # The running pull's time and progress are unknown, not ticking on.
    assert task.locator(".elapsed").inner_text() == "unknown"
    assert task.locator(".pct").inner_text() == "unknown"
    assert task.get_by_role("progressbar").get_attribute("aria-valuetext") == "unknown"
    assert task.get_by_role("button", name="Cancel").is_disabled()
    # The details too.
    drawer = ui.details("alpha")
    start = drawer.get_by_role("button", name="Start alpha")
    assert start.is_disabled() and "actions are disabled" in start.evaluate(DESCRIPTION).lower()
    ui.page.keyboard.press("Escape")

    # Back: the page reloads its state at once. The task lists are asked for only at start
    # and on reconnection (never by the regular polls), so their request proves the reload.
    ui.api_requests.clear()
    ui.server.start()  # same port, same token file
    banner.wait_for(state="detached", timeout=30_000)
    ui.wait_until(lambda: any("/api/tasks/active" in r["url"] for r in ui.api_requests))
    # The pull was interrupted by the server's shutdown: the page learns so from the reload.
    task.locator('.badge[data-status="failed"]').wait_for(timeout=30_000)
    assert ui.card("alpha").get_by_role("button", name="Start alpha").is_enabled()
