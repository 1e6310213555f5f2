"""Apple's limit of two macOS VMs, in the browser: the server's 409 opens a dialog that says so
and lists the macOS VMs that hold the slots; stopping one frees a slot and the VM starts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_third_macos_vm_is_explained_not_failed(ui: UI) -> None:
    ui.seed("mac1", "mac2", "mac3", os_name="darwin")
    ui.seed("tux")
    for name in ("mac1", "mac2", "tux"):
        done = ui.server.wait_task(ui.api("POST", f"/api/vms/{name}/start")["id"])
        assert done["status"] == "completed", done
    ui.refresh()
    ui.launch()
    ui.card("mac3").get_by_role("button", name="Start mac3").click()

    dialog = ui.page.get_by_role("dialog", name="Two macOS VMs are already running")
    dialog.wait_for()
    expect(dialog.get_by_text("runs at most two macOS VMs at once")).to_be_visible()
    holders = dialog.locator(".limit-vm")
    expect(holders).to_have_count(2)  # the Linux VM does not count
    assert sorted(holders.evaluate_all("els => els.map(e => e.dataset.vm)")) == ["mac1", "mac2"]
    start = dialog.get_by_role("button", name="Start mac3")
    expect(start).to_be_disabled()
    expect(ui.page.locator(".toast-error")).to_have_count(0)  # not a generic error notice
    assert not [t for t in ui.api("GET", "/api/tasks?vm=mac3") if t["action"] == "start"]

    dialog.get_by_role("button", name="Stop mac1").click()
    expect(holders).to_have_count(1, timeout=30_000)
    expect(dialog.get_by_text("A slot is free")).to_be_visible()
    start.click()
    expect(dialog).to_have_count(0)
    ui.page.locator('article.vm-card[data-vm="mac3"][data-status="running"]').wait_for()
