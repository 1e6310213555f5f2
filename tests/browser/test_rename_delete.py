"""Issue 19, point 10: a rename keeps the details open on the renamed VM and the notice names
both names; a delete closes the details and says what was deleted."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_rename_follows_the_vm_and_delete_closes_its_details(ui: UI) -> None:
    ui.seed("before-name")
    ui.launch()
    drawer = ui.details("before-name")
    drawer.get_by_role("button", name="Rename before-name").click()
    dialog = ui.page.get_by_role("dialog", name="Rename")
    dialog.get_by_label("New name").fill("after-name")
    dialog.get_by_role("button", name="Rename").click()
    # The details stay open, now on the renamed VM (and the address says so).
    renamed = ui.page.get_by_role("dialog", name="after-name")
    renamed.wait_for(timeout=30_000)
    assert ui.page.url.endswith("#/vm/after-name")
    toast = ui.page.locator(".toast", has_text="Renamed")
    toast.wait_for()
    assert "Renamed before-name to after-name" in toast.inner_text()
    assert "before-name" not in {vm["name"] for vm in ui.api("GET", "/api/vms")}

    renamed.get_by_role("button", name="Delete after-name").click()
    confirm = ui.page.get_by_role("dialog", name="Delete VM")
    confirm.get_by_label("Type").fill("after-name")
    confirm.get_by_role("button", name="Delete", exact=True).click()
    # The details close at once; the notice names what was deleted.
    renamed.wait_for(state="detached")
    assert "#/vm/" not in ui.page.url
    ui.page.locator(".toast", has_text="Deleted after-name").wait_for(timeout=30_000)
    ui.card("after-name").wait_for(state="detached")
