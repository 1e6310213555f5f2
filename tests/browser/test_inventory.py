"""The inventory: what the page shows matches the API, as cards and as a sortable list, with
search, filters, live updates and a VM's details."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import UI
from tests.integration.test_outside_changes import _run_outside

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_cards_and_list_match_the_api(ui: UI) -> None:
    ui.seed("alpha", "bravo", "charlie")
    ui.launch()
    vms = ui.api("GET", "/api/vms")
    working = {vm["name"] for vm in vms if vm["kind"] == "working_vm"}
    assert working == {"alpha", "bravo", "charlie"}

    cards = ui.page.locator("article.vm-card")
    assert set(cards.evaluate_all("els => els.map(e => e.dataset.vm)")) == {
        vm["name"] for vm in vms
    }
    for vm in vms:
        card = ui.card(vm["name"])
        assert card.get_attribute("data-status") == vm["status"]
        badge = card.locator(".badge").inner_text()
        assert badge.lower() == vm["status"]
        # CPU and memory come from `tart get` in the background: a page that loaded before
        # the server had them shows them from its next poll
        card.locator(".specs").filter(has_text=f"{vm['cpu']} CPU").wait_for()
        specs = card.locator(".specs").inner_text()
        assert f"{vm['cpu']} CPU" in specs
        assert f"{vm['disk_size']} GB disk" in specs

    # The list view shows the same VMs; the Name header sorts both ways.
    ui.page.get_by_role("button", name="List").click()
    rows = ui.page.locator("section[aria-labelledby=sec-vms] .vm-list-body [role=row]")
    names = "els => els.map(e => e.dataset.vm)"
    ui.wait_until(lambda: rows.evaluate_all(names) == ["alpha", "bravo", "charlie"])
    name_header = ui.page.locator(
        "section[aria-labelledby=sec-vms] [role=columnheader]", has_text="Name"
    )
    assert name_header.get_attribute("aria-sort") == "ascending"
    name_header.get_by_role("button").click()
    assert name_header.get_attribute("aria-sort") == "descending"
    ui.wait_until(lambda: rows.evaluate_all(names) == ["charlie", "bravo", "alpha"])
    # Each row is placed by its index; assistive technology hears a table of 4 rows.
    table = ui.page.locator("section[aria-labelledby=sec-vms] [role=table]")
    assert table.get_attribute("aria-rowcount") == "4"
    assert rows.evaluate_all("els => els.map(e => e.getAttribute('aria-rowindex'))") == [
        "2",
        "3",
        "4",
    ]

    # The layout choice survives a reload.
    ui.page.reload()
    ui.page.locator(".vm-list").first.wait_for()


def test_search_and_status_filter(ui: UI) -> None:
    ui.seed("web-1", "web-2", "db-1")
    ui.launch()
    search = ui.page.get_by_label("Search VMs")
    # "/" focuses the search box from anywhere on the page.
    ui.page.locator("body").press("/")
    assert ui.page.evaluate("() => document.activeElement.id") == "vm-search"
    search.fill("web")
    visible = ui.page.locator("article.vm-card")
    expect(visible).to_have_count(2)  # a filter fills the window over frames
    assert sorted(visible.evaluate_all("els => els.map(e => e.dataset.vm)")) == ["web-1", "web-2"]
    search.fill("")
    ui.page.get_by_label("Filter by status").select_option("running")
    ui.page.get_by_text("Nothing matches the search and filters.").first.wait_for()
    assert visible.count() == 0
    ui.page.get_by_label("Filter by status").select_option("any")
    expect(visible).to_have_count(3)


def test_refresh_button_and_polling_show_changes_without_reload(ui: UI) -> None:
    ui.seed("first")
    ui.launch()
    ui.server.tart("create", "made-in-a-terminal", "--linux")
    # Refresh asks Tart again (POST /api/vms/refresh).
    ui.page.get_by_role("button", name="Refresh from Tart").click()
    ui.card("made-in-a-terminal").wait_for()
    # A refresh made by someone else reaches the page through polling of GET /api/vms.
    ui.server.tart("create", "second", "--linux")
    ui.refresh()
    ui.card("second").wait_for(timeout=10_000)


def test_detail_shows_configuration_and_connection(ui: UI) -> None:
    ui.seed("devbox")
    ui.launch()
    ui.card("devbox").get_by_role("link", name="devbox").click()
    drawer = ui.page.get_by_role("dialog", name="devbox")
    drawer.wait_for()
    assert "#/vm/devbox" in ui.page.url
    config = ui.api("GET", "/api/vms/devbox/config")
    configuration = drawer.locator("section[aria-labelledby=cfg-title] .facts")
    configuration.filter(has_text="cores").wait_for()
    facts = configuration.inner_text()
    assert f"{config['cpu']} cores" in facts
    assert f"{config['disk_size'].rstrip('G')} GB" in facts
    drawer.get_by_text("Raw tart get JSON").click()
    raw = drawer.locator(".raw pre").inner_text()
    for key in config["raw"]:
        assert f'"{key}"' in raw
    # Never started from this app: the run-log section says so.
    drawer.get_by_text("No runs yet").wait_for()
    # What cannot be done now is disabled, with the server's reason.
    drawer.get_by_role("button", name="Start devbox").wait_for()
    assert drawer.get_by_role("button", name="Stop devbox").count() == 0
    assert "Start the VM to connect" in drawer.inner_text()
    # Escape closes the drawer, returns focus to the link and leaves the URL.
    ui.page.keyboard.press("Escape")
    drawer.wait_for(state="detached")
    assert "#/vm/" not in ui.page.url
    assert ui.page.evaluate("() => document.activeElement.textContent") == "devbox"


def test_oci_names_are_encoded_in_urls(ui: UI) -> None:
    image = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
    ui.server.tart("pull", image, timeout=60)
    ui.refresh()
    ui.launch()
    card = ui.card(image)
    card.wait_for()
    assert card.locator(".vm-title").inner_text() == "macos-sequoia-base"
    card.get_by_role("link").click()
    drawer = ui.page.get_by_role("dialog", name="macos-sequoia-base")
    drawer.wait_for()
    assert "#/vm/ghcr.io%2Fcirruslabs%2Fmacos-sequoia-base%3Alatest" in ui.page.url
    assert drawer.get_by_text(image).first.is_visible()
    # A base image is a template: no configuration or run log (tart get reads local VMs).
    assert drawer.locator("section[aria-labelledby=cfg-title]").count() == 0
    drawer.get_by_role("button", name=f"Delete {image}").click()
    confirm = ui.page.get_by_role("dialog", name="Delete base image")
    confirm.get_by_label(f"Type {image} to confirm").fill(image)
    confirm.get_by_role("button", name="Delete", exact=True).click()
    card.wait_for(state="detached")
    deletes = [r["url"] for r in ui.api_requests if r["url"].endswith("/delete")]
    assert deletes == [
        f"{ui.server.base_url}/api/vms/ghcr.io%2Fcirruslabs%2Fmacos-sequoia-base%3Alatest/delete"
    ]


def test_terminal_commands_reach_the_page_by_themselves(ui: UI) -> None:
    """No refresh by anyone (the periodic one is off): the server notices `tart` at a terminal
    from Tart's files, and the page's poll brings it. Each step waits at most 5 s."""
    ui.seed("first")
    ui.launch()
    seen = 5_000
    ui.server.tart("create", "typed", "--linux")
    ui.card("typed").wait_for(timeout=seen)
    run = _run_outside(ui.server, "typed")
    try:
        ui.page.locator('article.vm-card[data-vm="typed"][data-status="running"]').wait_for(
            timeout=seen
        )
        ui.server.tart("stop", "typed")
        ui.page.locator('article.vm-card[data-vm="typed"][data-status="stopped"]').wait_for(
            timeout=seen
        )
    finally:
        if run.poll() is None:
            run.kill()
        run.wait()
    ui.server.tart("clone", "typed", "copied")
    ui.card("copied").wait_for(timeout=seen)
    ui.server.tart("rename", "copied", "renamed")
    ui.card("renamed").wait_for(timeout=seen)
    ui.card("copied").wait_for(state="detached", timeout=seen)
    ui.server.tart("delete", "renamed")
    ui.card("renamed").wait_for(state="detached", timeout=seen)
    # while nothing changes, the page's polls are answered without a body
    statuses = ui.page.evaluate(
        """async (token) => {
          const first = await fetch('/api/vms', { headers: { 'X-Local-Token': token } });
          const again = await fetch('/api/vms', { cache: 'no-store', headers: {
            'X-Local-Token': token, 'If-None-Match': first.headers.get('ETag') } });
          return [first.status, again.status];
        }""",
        ui.server.token,
    )
    assert statuses == [200, 304]
