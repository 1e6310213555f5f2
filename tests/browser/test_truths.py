"""Issue 19, point 11 (smaller truths): a resume is called Resume in Activity and notices; the
header counts suspended VMs apart from stopped ones; "from scratch" for macOS starts at a
macOS-sized disk; the shared-folders refusal is a sentence, not field names. (Ages in words:
test_banners' stale inventory reads "2 minutes old".)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_resume_counts_and_words(ui: UI) -> None:
    seed_vm(ui.server.tart_home, "sleeper", os_name="darwin", suspended=True)
    seed_vm(ui.server.tart_home, "idle", os_name="linux")
    ui.refresh()
    ui.launch()
    stats = ui.page.locator(".stats")
    expect(stats.locator('[data-count="suspended"]')).to_have_text("1 suspended")
    expect(stats.locator('[data-count="stopped"]')).to_have_text("1 stopped")

    ui.card("sleeper").get_by_role("button", name="Resume sleeper").click()
    task = ui.task("resume", "sleeper")
    task.locator('.badge[data-status="completed"]').wait_for(timeout=60_000)
    assert task.locator(".task-verb").inner_text() == "Resume"
    ui.page.locator(".toast", has_text="Resumed sleeper").wait_for()
    expect(stats.locator('[data-count="running"]')).to_have_text("1 running")
    expect(stats.locator('[data-count="suspended"]')).to_have_count(0)

    # From scratch: macOS starts at a macOS-sized disk (and Linux at its own).
    ui.page.get_by_role("button", name="New VM").first.click()
    dialog = ui.page.get_by_role("dialog", name="New VM")
    dialog.get_by_role("button", name="From scratch").click()
    disk = dialog.get_by_label("Disk size", exact=True)
    expect(disk).to_have_value("50")
    dialog.get_by_label("macOS").check()
    expect(disk).to_have_value("100")
    dialog.get_by_label("Linux").check()
    expect(disk).to_have_value("50")
    disk.fill("70")  # typed by the user: kept
    dialog.get_by_label("macOS").check()
    expect(disk).to_have_value("70")

    # The refusal of shared folders with suspendable is a sentence.
    with ui.server.client() as client:
        body = {"suspendable": True, "dirs": [{"path": str(ui.server.root), "name": "src"}]}
        answer = client.put("/api/vms/idle/start-options", json=body)
    assert answer.status_code == 422
    text = str(answer.json()["detail"])
    assert "remove the shared folders, or turn Suspendable off" in text
    assert "remove dirs" not in text
