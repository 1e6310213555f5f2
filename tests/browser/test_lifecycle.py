"""The details view's controls beyond the seed: edit, rename, shut down (enabled from
`GET /api/vms/{name}/actions`)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_edit_then_rename_a_stopped_vm(ui: UI) -> None:
    ui.seed("editme")
    ui.launch()
    drawer = ui.details("editme")
    drawer.get_by_role("button", name="Edit editme").click()  # type: ignore[attr-defined]
    dialog = ui.page.get_by_role("dialog", name="Edit configuration")
    cpu = dialog.get_by_label("CPU cores", exact=True)
    cpu.wait_for()
    before = ui.api("GET", "/api/vms/editme/config?force_refresh=true")
    assert cpu.input_value() == str(before["cpu"])
    # A disk cannot shrink: said next to the field, nothing sent.
    dialog.get_by_label("Disk size", exact=True).fill("1")
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("Tart can grow a disk but not shrink it.", exact=False).first.wait_for()
    # Within this machine's means (the server refuses more than the host has).
    cpu.fill("1")
    dialog.get_by_label("Memory", exact=True).fill("2")
    dialog.get_by_label("Disk size", exact=True).fill("80")
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="detached")
    ui.task("set", "editme").locator('.badge[data-status="completed"]').wait_for(timeout=30_000)
    after = ui.api("GET", "/api/vms/editme/config?force_refresh=true")
    assert (after["cpu"], after["memory"], after["disk_size"]) == (1, "2G", "80G")

    drawer.get_by_role("button", name="Rename editme").click()  # type: ignore[attr-defined]
    rename = ui.page.get_by_role("dialog", name="Rename")
    rename.get_by_label("New name").fill("edited")
    rename.get_by_role("button", name="Rename").click()
    ui.card("edited").wait_for(timeout=30_000)
    assert ui.card("editme").count() == 0
    assert "editme" not in {vm["name"] for vm in ui.api("GET", "/api/vms")}


def test_shut_down_a_running_vm(ui: UI) -> None:
    ui.seed("guest", os_name="darwin")
    ui.launch()
    ui.card("guest").get_by_role("button", name="Start guest").click()
    ui.page.locator('article.vm-card[data-vm="guest"][data-status="running"]').wait_for()
    drawer = ui.details("guest")
    shutdown = drawer.get_by_role("button", name="Shut down guest")  # type: ignore[attr-defined]
    shutdown.click()
    ui.task("shutdown", "guest").locator('.badge[data-status="completed"]').wait_for(timeout=90_000)
    ui.page.locator('article.vm-card[data-vm="guest"][data-status="stopped"]').wait_for()
