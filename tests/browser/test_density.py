"""Issue 19, point 9: the Activity panel folds to a rail when nothing runs and can be hidden;
at 1280x720 at least six cards fit above the fold; the list is compact (about 36 px rows),
its header sticks, no kind on every row; multi-select with bulk actions (one confirmation
listing the VMs, a result per VM); dialog buttons stay visible at 1280x720; on a phone the
list keeps its actions in view and the logo link has a name."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SMALL = {"width": 1280, "height": 720}


def _seed(ui: UI, count: int) -> None:
    for index in range(count):
        seed_vm(ui.server.tart_home, f"vm-{index:02d}", os_name="linux", cpu=2)
    ui.refresh()


def test_the_activity_rail_and_six_cards_above_the_fold(server_factory: Any, make_ui: Any) -> None:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TART_SIM_BOOT_SECONDS": "3"})
    ui: UI = make_ui(server.start(), viewport=SMALL, activity=None)  # as a new user
    _seed(ui, 12)
    ui.launch()
    # Nothing runs: a rail with a button, the panel's room goes to the inventory.
    show = ui.page.get_by_role("button", name="Show activity")
    show.wait_for()
    assert ui.page.locator("li.task").count() == 0
    visible = ui.page.evaluate(
        """() => [...document.querySelectorAll('article.vm-card')].filter(c => {
            const r = c.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;
        }).length"""
    )
    assert visible >= 6, visible
    # Something runs: the panel opens by itself; once it ended, it folds again.
    ui.card("vm-00").get_by_role("button", name="Start vm-00").click()
    ui.page.locator('li.task[data-action="start"]').wait_for()
    ui.page.locator('article.vm-card[data-vm="vm-00"][data-status="running"]').wait_for()
    ui.page.get_by_role("button", name="Show activity, 1 recent").wait_for()
    # The user's choice wins: shown, it stays; hidden, it stays a rail (even while running).
    ui.page.get_by_role("button", name="Show activity, 1 recent").click()
    hide = ui.page.get_by_role("button", name="Hide", exact=True)
    hide.click()
    ui.card("vm-01").get_by_role("button", name="Start vm-01").click()
    ui.page.get_by_role("button", name="Show activity, 1 running").wait_for()
    assert ui.page.locator("li.task").count() == 0
    ui.page.locator('article.vm-card[data-vm="vm-01"][data-status="running"]').wait_for()

    # Dialog buttons stay visible at 1280x720 (the longest form: New VM).
    ui.page.get_by_role("button", name="New VM").first.click()
    dialog = ui.page.get_by_role("dialog", name="New VM")
    create = dialog.get_by_role("button", name="Create", exact=False).last
    create.wait_for()
    box = create.bounding_box()
    assert box is not None and box["y"] + box["height"] <= SMALL["height"]


def test_the_compact_list_and_bulk_actions(ui: UI) -> None:
    _seed(ui, 30)
    for name in ("vm-00", "vm-01"):
        task = ui.api("POST", f"/api/vms/{name}/start", json={})
        assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed"
    ui.page.set_viewport_size(SMALL)
    ui.launch()
    ui.page.get_by_role("button", name="List").click()
    rows = ui.page.locator(".vm-list-body [role=row][data-vm]")
    rows.first.wait_for()
    heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) <= 40, heights
    # No kind on every row (the section says it).
    assert "Working VM" not in ui.page.locator(".vm-list-body").inner_text()
    # The header sticks below the top bar when the list scrolls.
    ui.page.mouse.wheel(0, 600)
    header = ui.page.locator(".vm-list-head")
    ui.wait_until(lambda: abs((header.bounding_box() or {"y": -1})["y"] - 56) < 2)

    ui.page.evaluate("() => window.scrollTo(0, 0)")  # the list renders what is in view
    # Select two running and one stopped VM; Shut down leaves the stopped one out, by name.
    for name in ("vm-00", "vm-01", "vm-02"):
        ui.page.get_by_role("checkbox", name=f"Select {name}").check()
    bar = ui.page.get_by_role("region", name="Selected VMs")
    expect(bar).to_contain_text("3 selected")
    bar.get_by_role("button", name="Shut down").click()
    dialog = ui.page.get_by_role("dialog", name="Shut down 3 selected")
    expect(dialog.locator('li[data-vm="vm-02"]')).to_contain_text("left out: not running")
    dialog.get_by_role("button", name="Shut down 2 VMs").click()
    for name in ("vm-00", "vm-01"):
        dialog.locator(f'li[data-vm="{name}"] .badge[data-status="completed"]').wait_for(
            timeout=60_000
        )
    dialog.locator(".form-actions").get_by_role("button", name="Close").click()
    assert bar.count() == 0  # the selection was used up

    # Delete two at once: one confirmation, listing both.
    ui.page.get_by_role("checkbox", name="Select vm-03").check()
    ui.page.get_by_role("checkbox", name="Select vm-04").check()
    bar.get_by_role("button", name="Delete…").click()
    dialog = ui.page.get_by_role("dialog", name="Delete 2 selected")
    assert "cannot be undone" in dialog.inner_text()
    dialog.get_by_role("button", name="Delete 2 VMs").click()
    ui.wait_until(
        lambda: not {"vm-03", "vm-04"} & {vm["name"] for vm in ui.api("GET", "/api/vms")},
        timeout=30,
    )


def test_a_phone_keeps_the_lists_actions_in_view(ui: UI, make_ui: Any) -> None:
    _seed(ui, 3)
    phone = make_ui(ui.server, viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.launch()
    brand = phone.page.get_by_role("link", name="de taartenfabriek: the inventory")
    assert brand.is_visible()
    phone.page.get_by_role("button", name="List").click()
    start = phone.page.get_by_role("button", name="Start vm-00")
    start.wait_for()
    box = start.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    # The row's last action too, inside the list (which clips what overflows its columns).
    edge = phone.page.locator(".vm-list").first.bounding_box()
    delete = phone.page.get_by_role("button", name="Delete vm-00").bounding_box()
    assert edge is not None and delete is not None
    assert delete["x"] + delete["width"] <= edge["x"] + edge["width"] - 1
    overflow = phone.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
