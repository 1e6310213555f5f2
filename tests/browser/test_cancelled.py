"""Issue 19, point 5: a task the user cancelled reads Cancelled, in a neutral colour, in
Activity, in the notice and in the VM's history; the API keeps `failed` and adds
`cancelled: true`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

IMAGE = "ghcr.io/cirruslabs/ubuntu:latest"


def test_a_cancelled_pull_is_shown_as_cancelled_not_failed(
    server_factory: Any, make_ui: Any
) -> None:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TART_SIM_PULL_SECONDS": "60"})
    ui: UI = make_ui(server.start())
    ui.launch()
    pull = ui.api("POST", "/api/vms/pull", json={"oci_url": IMAGE})
    task = ui.page.locator(f'li.task[data-task="{pull["id"]}"]')
    task.get_by_role("button", name="Cancel").click()
    badge = task.locator('.badge[data-outcome="cancelled"]')
    badge.wait_for(timeout=30_000)
    assert badge.inner_text().strip() == "Cancelled"
    stored = ui.api("GET", f"/api/tasks/{pull['id']}")
    assert stored["status"] == "failed" and stored["cancelled"] is True
    # Neutral: not the failure red, and no alert.
    colour = badge.evaluate("el => getComputedStyle(el).color")
    failed_red = ui.page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--red').trim()"
    )
    assert colour not in ("rgb(185, 28, 28)", failed_red)
    assert task.get_by_role("alert").count() == 0
    assert "Cancelled by you" in task.inner_text()
    # The notice says cancelled, not failed.
    toast = ui.page.locator(".toast", has_text="was cancelled").first
    toast.wait_for()
    assert "failed" not in toast.inner_text()
    assert ui.page.locator(".toast-error").count() == 0
    # After a reload (the history from the server), still Cancelled.
    ui.page.reload()
    again = ui.page.locator(f'li.task[data-task="{pull["id"]}"]')
    again.locator('.badge[data-outcome="cancelled"]').wait_for()
