"""Apple's limit of two macOS VMs, in the browser: the server's 409 opens a dialog that says so
and lists the macOS VMs that hold the slots; stopping one frees a slot and the VM starts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _running(ui: UI, *names: str) -> None:
    """Start `names` through the API, then open the page on them running."""
    for name in names:
        done = ui.server.wait_task(ui.api("POST", f"/api/vms/{name}/start")["id"])
        assert done["status"] == "completed", done
    ui.refresh()
    ui.launch()


def test_a_third_macos_vm_is_explained_not_failed(ui: UI) -> None:
    ui.seed("mac1", "mac2", "mac3", os_name="darwin")
    ui.seed("tux")
    _running(ui, "mac1", "mac2", "tux")
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


def test_a_clone_that_would_start_a_third_macos_vm_opens_the_same_dialog(ui: UI) -> None:
    """Clone with "start the clone": the server refuses before cloning (409, the limit), and
    the form gives way to the limit dialog, whose button sends the same clone again."""
    ui.seed("mac1", "mac2", "gold", os_name="darwin")
    _running(ui, "mac1", "mac2")
    ui.card("gold").get_by_role("button", name="Clone gold").click()
    form = ui.page.get_by_role("dialog", name="Clone")
    form.get_by_label("Name of the clone").fill("gold-2")
    form.get_by_label("Start the clone when it is ready").check()
    form.get_by_role("button", name="Clone", exact=True).click()

    dialog = ui.page.get_by_role("dialog", name="Two macOS VMs are already running")
    dialog.wait_for()
    expect(form).to_have_count(0)  # in the form's place, not a sentence inside it
    expect(dialog.get_by_text("gold-2 cannot start until one of them stops")).to_be_visible()
    expect(dialog.locator(".limit-vm")).to_have_count(2)
    again = dialog.get_by_role("button", name="Clone and start gold-2")
    expect(again).to_be_disabled()
    expect(ui.page.locator(".toast-error")).to_have_count(0)
    assert not [t for t in ui.api("GET", "/api/tasks?limit=20") if t["action"] == "clone"]

    dialog.get_by_role("button", name="Stop mac1").click()
    expect(dialog.get_by_text("A slot is free")).to_be_visible(timeout=30_000)

    def clone(request: Any) -> bool:
        return request.method == "POST" and request.url.endswith("/api/vms/gold/clone")

    with ui.page.expect_request(clone) as sent:
        again.click()
    assert sent.value.post_data_json == {"new_name": "gold-2", "start_after_clone": True}
    expect(dialog).to_have_count(0)
    ui.page.locator('article.vm-card[data-vm="gold-2"][data-status="running"]').wait_for()
