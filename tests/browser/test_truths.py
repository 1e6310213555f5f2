"""Issue 19, point 11 (smaller truths): a resume is called Resume in Activity and notices; the
header counts suspended VMs apart from stopped ones; "from scratch" for macOS starts at a
macOS-sized disk. (Ages in words: test_banners' stale inventory reads "2 minutes old"; the
shared-folders refusal as a sentence: tests/lifecycle/test_units.py.)"""

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
