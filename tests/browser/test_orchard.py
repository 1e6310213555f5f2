"""What the UI shows only in Orchard mode: the Workers page (pause/resume), Orchard's phases
(queued, failed), what Orchard cannot do on a running VM, a controller outage, and the console
and terminal through the controller's port-forward and exec. (The flows both backends share
are in test_flows.py.)"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from taartenfabriek.sim.rfb import Display
from taartenfabriek.sim.screen import Framebuffer
from tests.browser.fleet import IMAGE, Fleet
from tests.browser.test_console import _canvas_shows, _rgb_digest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_workers_page_shows_the_fleet_and_pauses_a_worker(orchard: Fleet) -> None:
    store = orchard.controller.store
    orchard.running("web")  # on mac-1, the only worker yet
    store.add_worker("mac-2", slots=4, labels={"rack": "b"})
    store.silent.add("mac-old")
    store.add_worker("mac-old", last_seen="2020-01-01T00:00:00Z")
    ui = orchard.ui
    ui.launch()
    ui.page.get_by_role("link", name="Workers").click()
    ui.page.get_by_role("heading", name="Workers", exact=True).wait_for()
    assert ui.page.url.endswith("#/workers")
    rows = ui.page.locator("table.workers-table tbody tr")
    rows.first.wait_for()
    api = {w["name"]: w for w in ui.api("GET", "/api/workers")}
    assert rows.evaluate_all("els => els.map(e => e.dataset.worker)") == sorted(api)
    for name, worker in api.items():
        row = ui.page.locator(f'tr[data-worker="{name}"]')
        assert row.get_attribute("data-online") == str(worker["online"]).lower()
        text = row.inner_text()
        assert ("Online" if worker["online"] else "Offline") in text
        assert f"{worker['slots_used']} of {worker['slots']}" in text
        assert f"{worker['cpu_used']} of {worker['cpu']}" in text
        assert f"{worker['running_vms']} running of {len(worker['vms'])}" in text
    row = ui.page.locator('tr[data-worker="mac-1"]')
    assert "1 of 2" in row.inner_text() and "8 of 16 GB" in row.inner_text()
    assert re.search(r"\d+ s ago", row.locator(".col-seen").inner_text())
    assert "days ago" in ui.page.locator('tr[data-worker="mac-old"] .col-seen').inner_text()
    assert "rack=b" in ui.page.locator('tr[data-worker="mac-2"]').inner_text()
    stats = ui.page.locator(".workers .stats").inner_text()
    assert "2 online" in stats and "1 offline" in stats and "1 of 8 VM slots used" in stats

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        ui.page.screenshot(path=str(DOCS / "screenshot-workers.png"))

    # pause: no new VMs land on mac-2; the page and the controller agree
    ui.page.get_by_role("button", name="Pause mac-2").click()
    ui.page.locator('tr[data-worker="mac-2"][data-paused="true"]').wait_for()
    assert store.workers["mac-2"]["scheduling_paused"] is True
    assert "Paused" in ui.page.locator('tr[data-worker="mac-2"]').inner_text()
    ui.page.get_by_role("button", name="Resume mac-2").click()
    ui.page.locator('tr[data-worker="mac-2"][data-paused="false"]').wait_for()
    assert store.workers["mac-2"].get("scheduling_paused") is False

    # a worker's VMs link to their details
    row.get_by_role("link", name="web").click()
    ui.page.get_by_role("dialog", name="web").wait_for()


def test_the_workers_page_follows_the_controller(orchard: Fleet) -> None:
    """Polled while open: a worker paused elsewhere (the orchard CLI) shows within a poll."""
    ui = orchard.ui
    ui.launch()
    ui.page.get_by_role("link", name="Workers").click()
    ui.page.locator('tr[data-worker="mac-1"][data-paused="false"]').wait_for()
    worker = orchard.controller.store.workers["mac-1"]
    worker["scheduling_paused"] = True
    ui.page.locator('tr[data-worker="mac-1"][data-paused="true"]').wait_for(timeout=15_000)


def test_queued_and_failed_vms_in_orchards_words(orchard: Fleet) -> None:
    store = orchard.controller.store
    broken = "ghcr.io/cirruslabs/no-such-image:latest"
    store.failures[broken] = 'failed to pull the VM: tart command failed: "manifest unknown"'
    store.create_vm({"name": "broken", "image": broken})
    orchard.controller.wait_for(lambda: orchard.controller.vm("broken")["status"] == "failed")
    store.workers["mac-1"]["scheduling_paused"] = True
    store.create_vm({"name": "waiting", "image": IMAGE})
    ui = orchard.ui
    ui.refresh()
    ui.launch()
    queued = ui.card("waiting").locator(".badge")
    assert queued.inner_text() == "Queued" and queued.get_attribute("data-phase") == "queued"
    failed = ui.card("broken").locator(".badge")
    assert failed.inner_text() == "Failed"
    assert "manifest unknown" in (failed.get_attribute("title") or "")
    # a failed VM cannot be started or cloned; it can be deleted
    card = ui.card("broken")
    assert card.get_by_role("button", name="Start broken").count() == 0
    assert card.get_by_role("button", name="Clone broken").is_disabled()
    assert card.get_by_role("button", name="Delete broken").is_enabled()
    # in the list, a queued VM has no worker yet
    ui.page.get_by_role("button", name="List").click()
    expect(ui.page.locator('[role=row][data-vm="waiting"] .col-worker')).to_have_text("—")
    # once the worker takes VMs again, the page shows the VM being made, then running
    store.workers["mac-1"]["scheduling_paused"] = False
    orchard.controller.wait_for(lambda: orchard.controller.vm("waiting").get("worker"))
    ui.refresh()
    ui.page.locator('[role=row][data-vm="waiting"] .col-worker', has_text="mac-1").wait_for()


def test_orchard_offers_no_start_options_and_says_why(orchard: Fleet) -> None:
    """Orchard starts a VM only when it creates it, as its spec says: there is no `tart run`
    to give options to, so neither the Start button nor the details offer any, and the
    details say why (a stopped VM's missing Start is explained in the server's words)."""
    orchard.stopped("old")
    store = orchard.controller.store
    store.workers["mac-1"]["scheduling_paused"] = True
    store.create_vm({"name": "waiting", "image": IMAGE})
    ui = orchard.ui
    ui.refresh()
    ui.launch()
    # a queued VM: Start is offered (the task follows it until it runs), as a plain button
    assert ui.api("GET", "/api/vms/waiting/actions")["start"]["allowed"] is True
    ui.card("waiting").get_by_role("link", name="waiting").click()
    drawer = ui.page.get_by_role("dialog", name="waiting")
    drawer.get_by_role("button", name="Start waiting", exact=True).wait_for()
    expect(drawer.get_by_role("button", name="Options for starting waiting")).to_have_count(0)
    expect(drawer.locator(".split")).to_have_count(0)
    change = drawer.get_by_role("button", name="Change the start options of waiting")
    expect(change).to_have_count(0)
    expect(drawer.locator(".command-line")).to_have_count(0)
    note = drawer.locator('[data-start-options="orchard"]')
    expect(note).to_contain_text("Orchard starts a VM only when it creates it")
    ui.page.keyboard.press("Escape")
    expect(drawer).to_have_count(0)
    # a stopped VM: no Start at all, and why, in the server's words
    ui.card("old").get_by_role("link", name="old").click()
    drawer = ui.page.get_by_role("dialog", name="old")
    notes = drawer.locator(".action-notes")
    notes.locator("summary").click()
    reason = ui.api("GET", "/api/vms/old/actions")["start"]["reason"]
    expect(notes.locator('li[data-actions~="start"]')).to_contain_text(reason)
    expect(drawer.get_by_role("button", name="Start old")).to_have_count(0)
    expect(drawer.get_by_role("button", name="Options for starting old")).to_have_count(0)
    expect(drawer.locator('[data-start-options="orchard"]')).to_be_visible()


def test_a_running_vm_offers_what_orchard_can_do(orchard: Fleet) -> None:
    orchard.running("web")
    ui = orchard.ui
    ui.launch()
    ui.card("web").get_by_role("link", name="web").click()
    drawer = ui.page.get_by_role("dialog", name="web")
    drawer.get_by_role("button", name="Stop web").wait_for()
    verdicts = ui.api("GET", "/api/vms/web/actions")
    # no buttons for what Orchard cannot do (it would only answer 409)
    for label in ("Shut down", "Suspend", "Edit", "Rename", "Start"):
        assert drawer.get_by_role("button", name=f"{label} web").count() == 0, label
    clone = drawer.get_by_role("button", name="Clone web")
    assert clone.is_disabled() and clone.get_attribute("title") == verdicts["clone"]["reason"]
    notes = drawer.locator(".action-notes")
    summary = notes.locator("summary").inner_text()
    for label in ("Shut down", "Suspend", "Edit", "Rename", "Clone"):
        assert label in summary
    notes.locator("summary").click()
    assert verdicts["edit"]["reason"] in notes.locator('li[data-actions~="edit"]').inner_text()
    assert "Orchard cannot change the CPU" in verdicts["edit"]["reason"]
    # the reason under the buttons is the one that is "not now": stop before deleting
    assert "stop it before deleting it" in drawer.locator(".action-reason").inner_text()
    # nothing offers a pull: Orchard's workers pull while they create a VM
    ui.page.keyboard.press("Escape")
    assert ui.page.get_by_role("button", name="Pull image").count() == 0


def test_a_controller_outage_keeps_the_inventory(orchard: Fleet) -> None:
    orchard.running("web")
    ui = orchard.ui
    ui.launch()
    orchard.controller.stop()
    ui.page.get_by_role("button", name="Refresh from Orchard").click()
    ui.page.locator(".toast-error", has_text="cannot reach the Orchard controller").wait_for()
    banner = ui.page.locator(".banner", has_text="The inventory may be out of date.")
    banner.wait_for(timeout=8_000)  # read again right after a refresh (the poll is 15 s)
    assert "the Orchard controller failed" in banner.inner_text()
    assert ui.card("web").get_attribute("data-status") == "running"


def test_console_and_terminal_through_orchard(orchard: Fleet) -> None:
    controller = orchard.controller
    controller.store.create_vm(
        {"name": "desk", "image": IMAGE, "username": "admin", "password": "vnc-pw"}
    )
    controller.wait_for(lambda: controller.vm("desk")["status"] == "running")
    display = Display("desk", "vnc-pw", 1024, 768)  # the guest's Screen Sharing
    controller.forward[("desk", 5900)] = ("127.0.0.1", display.port)
    try:
        ui = orchard.ui
        ui.refresh()
        ui.launch()
        ui.card("desk").get_by_role("link", name="desk").click()
        drawer = ui.page.get_by_role("dialog", name="desk")
        drawer.get_by_role("tab", name="Console").click()
        pane = drawer.locator('.vm-pane-console[data-state="connected"]')
        pane.wait_for()
        assert "Orchard" in pane.locator(".vm-pane-state").inner_text()
        _canvas_shows(ui, _rgb_digest(Framebuffer(1024, 768, "desk")))

        drawer.get_by_role("tab", name="Terminal").click()
        drawer.locator('.vm-pane-terminal[data-state="connected"]').wait_for()
        rows = drawer.locator(".xterm-rows")
        ui.wait_until(lambda: rows.inner_text().strip() != "")
        drawer.locator(".xterm").click()
        ui.page.keyboard.type("echo hel''lo")
        ui.page.keyboard.press("Enter")
        ui.wait_until(lambda: "hello" in [line.strip() for line in rows.inner_text().splitlines()])
        assert controller.commands and controller.connects
    finally:
        display.close()
