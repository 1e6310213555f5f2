"""The UI's main flows, once per backend: local (tart-sim) and Orchard (the fake controller on
loopback, the server started with `--backend orchard`). Where Orchard differs, the difference
is what is asserted: it never starts a stopped VM again, so the page must not offer that."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.fleet import IMAGE, Fleet

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_inventory_list_and_details(fleet: Fleet) -> None:
    fleet.stopped("alpha")
    bravo = fleet.running("bravo")
    ui = fleet.ui
    ui.launch()
    vms = {vm["name"]: vm for vm in ui.api("GET", "/api/vms")}
    assert set(vms) == {"alpha", "bravo"}
    for vm in vms.values():
        card = ui.card(vm["name"])
        assert card.get_attribute("data-status") == vm["status"]
        assert card.locator(".badge").inner_text().lower() == vm["status"]
        assert f"{vm['cpu']} CPU" in card.locator(".specs").inner_text()
    assert bravo["ip_address"]
    ui.card("bravo").locator(".ip", has_text=bravo["ip_address"]).wait_for()
    # the Workers page is offered exactly when the backend has workers
    workers = ui.page.get_by_role("link", name="Workers")
    assert workers.count() == (1 if fleet.orchard else 0)
    # and Storage (this Mac's disk) only when there is no fleet of Macs
    storage = ui.page.get_by_role("button", name="Storage")
    assert storage.count() == (0 if fleet.orchard else 1)

    ui.page.get_by_role("button", name="List").click()
    table = ui.page.locator("section[aria-labelledby=sec-vms] [role=table]")
    headers = table.locator("[role=columnheader]").all_inner_texts()
    assert ("Worker" in headers) is fleet.orchard
    rows = table.locator(".vm-list-body [role=row]")
    expect(rows).to_have_count(2)  # the list fills from the next frame on
    assert rows.evaluate_all("els => els.map(e => e.dataset.vm)") == ["alpha", "bravo"]
    if fleet.orchard:
        assert bravo["worker"] == "mac-1"
        assert table.locator('[role=row][data-vm="bravo"] .col-worker').inner_text() == "mac-1"
        search = ui.page.get_by_label("Search VMs")
        search.fill("mac-1")  # the worker is searchable
        assert rows.count() == 2
        search.fill("")

    rows.filter(has_text="bravo").get_by_role("link", name="bravo").click()
    drawer = ui.page.get_by_role("dialog", name="bravo")
    config = ui.api("GET", "/api/vms/bravo/config")
    facts = drawer.locator("section[aria-labelledby=cfg-title] .facts")
    facts.filter(has_text="cores").wait_for()
    assert f"{config['cpu']} cores" in facts.inner_text()
    drawer.locator(".raw summary").click()
    raw = drawer.locator(".raw pre").inner_text()
    for key in config["raw"]:
        assert f'"{key}"' in raw
    connect = drawer.locator("section[aria-labelledby=conn-title]")
    if fleet.orchard:
        # the guest is on the worker's private network: reached through Orchard, not vnc://
        assert "orchard ssh vm bravo" in connect.inner_text()
        assert connect.get_by_role("link", name=f"vnc://{bravo['ip_address']}").count() == 0
        assert bravo["ip_address"] in connect.inner_text()
        inventory = drawer.locator("section[aria-labelledby=inv-title]").inner_text()
        assert "mac-1" in inventory and IMAGE in inventory
        assert drawer.locator("section[aria-labelledby=runlog-title]").count() == 0
    else:
        connect.get_by_role("link", name=f"vnc://{bravo['ip_address']}").wait_for()


def test_stop_from_the_card_then_what_a_stopped_vm_offers(fleet: Fleet) -> None:
    fleet.running("runner")
    ui = fleet.ui
    ui.launch()
    card = ui.card("runner")
    assert card.get_by_role("button", name="Delete runner").is_disabled()
    # Local: the graceful Shut down is the card's main action; Orchard: its Stop.
    action = "stop" if fleet.orchard else "shutdown"
    label = "Stop runner" if fleet.orchard else "Shut down runner"
    card.get_by_role("button", name=label).click()
    ui.task(action, "runner").locator('.badge[data-status="completed"]').wait_for(timeout=60_000)
    ui.page.locator('article.vm-card[data-vm="runner"][data-status="stopped"]').wait_for()
    assert card.get_by_role("button", name="Delete runner").is_enabled()

    card.get_by_role("link", name="runner").click()
    drawer = ui.page.get_by_role("dialog", name="runner")
    drawer.get_by_role("button", name="Clone runner").wait_for()
    verdicts = ui.api("GET", "/api/vms/runner/actions")
    start = drawer.get_by_role("button", name="Start runner")
    if not fleet.orchard:
        assert verdicts["start"]["allowed"] and verdicts["unsupported"] == []
        start.wait_for()
        assert drawer.locator(".action-notes").count() == 0
        return
    # Orchard never starts a stopped VM again: no Start button (not even on the card), and
    # the server's reason, which says what to do instead, is one click away
    assert not verdicts["start"]["allowed"] and "start" in verdicts["unsupported"]
    assert start.count() == 0 and card.get_by_role("button", name="Start runner").count() == 0
    notes = drawer.locator(".action-notes")
    assert "Start" in notes.locator("summary").inner_text()
    notes.locator("summary").click()
    item = notes.locator('li[data-actions~="start"]')
    assert verdicts["start"]["reason"] in item.inner_text()
    assert "Clone it to get a running copy" in item.inner_text()
    assert drawer.get_by_role("button", name="Clone runner").is_enabled()


def test_create_with_sizes_streams_its_log(fleet: Fleet) -> None:
    ui = fleet.ui
    ui.launch()
    ui.page.get_by_role("button", name="New VM", exact=True).first.click()
    dialog = ui.page.get_by_role("dialog", name="New VM")
    dialog.get_by_label("Name").fill("sized")
    dialog.get_by_label("Source").select_option(label="Other image reference…")
    dialog.get_by_label("Image reference").fill(IMAGE)
    dialog.get_by_label("CPU cores", exact=True).fill("6")  # macOS wants 4 at least
    dialog.get_by_label("Memory", exact=True).fill("12")
    dialog.get_by_label("Disk size", exact=True).fill("70")
    # Record how many log lines the task shows each time the panel changes, from the start.
    ui.page.evaluate(
        """() => {
        const seen = (window.__lines = []);
        new MutationObserver(() => {
          const task = document.querySelector('li.task[data-action=create]');
          const summary = task && task.querySelector('.logs summary');
          if (!summary || task.dataset.status !== 'running') return;
          const n = Number((/\\((\\d+) line/.exec(summary.textContent) || [])[1]);
          if (n && seen.at(-1) !== n) seen.push(n);
        }).observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true});
      }"""
    )
    dialog.get_by_role("button", name="Create VM").click()
    dialog.wait_for(state="detached")
    task = ui.task("create", "sized")
    task.locator('.badge[data-status="completed"]').wait_for(timeout=60_000)
    # the log grew while the task ran, over the WebSocket, not only at its end
    seen = ui.page.evaluate("() => window.__lines")
    assert len(seen) >= 2 and seen == sorted(seen), seen
    api_task = ui.api("GET", f"/api/tasks/{task.get_attribute('data-task')}")
    task.locator(".logs summary").click()
    shown = task.locator(".log-text").inner_text()
    assert shown.splitlines() == api_task["logs"][-500:]
    if fleet.orchard:
        assert any("cloning VM..." in line for line in api_task["logs"])
    config = ui.api("GET", "/api/vms/sized/config?force_refresh=true")
    assert (config["cpu"], config["memory"], config["disk_size"]) == (6, "12G", "70G")
    specs = ui.card("sized").locator(".specs")
    specs.filter(has_text="6 CPU").wait_for()
    assert "12 GB" in specs.inner_text() and "70 GB disk" in specs.inner_text()
    status = "running" if fleet.orchard else "stopped"  # Orchard starts what it creates
    ui.page.locator(f'article.vm-card[data-vm="sized"][data-status="{status}"]').wait_for()


def test_clone_then_delete_with_confirmation(fleet: Fleet) -> None:
    fleet.stopped("origin")
    ui = fleet.ui
    ui.launch()
    ui.card("origin").get_by_role("button", name="Clone origin").click()
    dialog = ui.page.get_by_role("dialog", name="Clone")
    dialog.get_by_label("Name of the clone").wait_for()
    start = dialog.get_by_label("Start the clone when it is ready")
    if fleet.orchard:
        # Orchard always starts a clone: no choice offered, and the dialog says so
        assert start.count() == 0
        assert "Orchard starts the clone" in dialog.inner_text()
    else:
        assert start.is_visible() and not start.is_checked()
    dialog.get_by_label("Name of the clone").fill("copy-of-origin")
    dialog.get_by_role("button", name="Clone").click()
    dialog.wait_for(state="detached")
    ui.task("clone", "copy-of-origin").locator('.badge[data-status="completed"]').wait_for(
        timeout=30_000
    )
    copy = ui.api("GET", "/api/vms/copy-of-origin")
    assert copy["status"] == ("running" if fleet.orchard else "stopped")
    if fleet.orchard:
        assert copy["worker"] == "mac-1" and copy["ip_address"]
        assert (
            fleet.controller.vm("copy-of-origin")["image"]
            == fleet.controller.vm("origin")["localName"]
        )
    ui.page.locator(
        f'article.vm-card[data-vm="copy-of-origin"][data-status="{copy["status"]}"]'
    ).wait_for()

    ui.card("origin").get_by_role("button", name="Delete origin").click()
    confirm = ui.page.get_by_role("dialog", name="Delete VM")
    delete = confirm.get_by_role("button", name="Delete", exact=True)
    confirm.get_by_label("Type origin to confirm").fill("origi")
    assert delete.is_disabled()
    confirm.get_by_label("Type origin to confirm").fill("origin")
    delete.click()
    ui.card("origin").wait_for(state="detached")
    assert "origin" not in {vm["name"] for vm in ui.api("GET", "/api/vms")}
    if fleet.orchard:
        assert "origin" not in fleet.controller.store.vms
