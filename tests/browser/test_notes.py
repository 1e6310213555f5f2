"""Notes, labels and the ssh command in the browser."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_notes_render_sanitised_and_labels_filter_the_inventory(ui: UI) -> None:
    ui.seed("runner-1", "runner-2", "desktop")
    ui.launch()
    drawer = ui.details("runner-1")
    drawer.get_by_role("button", name="Edit notes and labels of runner-1").click()  # type: ignore[attr-defined]
    form = ui.page.get_by_role("form", name="Notes and labels")
    form.get_by_label("Labels").fill("ci, team=ios")
    form.get_by_label("Notes (Markdown)").fill(
        "## Xcode 16\n**nightly** builds, see [the wiki](https://wiki.example/ci)\n\n"
        '<img src="https://evil.example/x.png" onerror="alert(1)"><script>alert(2)</script>'
    )
    form.get_by_role("button", name="Save").click()
    rendered = ui.page.locator(".notes-rendered")
    rendered.locator("h2", has_text="Xcode 16").wait_for()
    assert rendered.locator("strong", has_text="nightly").count() == 1
    link = rendered.get_by_role("link", name="the wiki")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert rendered.locator("img, script").count() == 0  # sanitised away
    ui.page.keyboard.press("Escape")

    ui.card("runner-1").get_by_role("button", name="team=ios").wait_for()
    search = ui.page.get_by_label("Search VMs")
    search.fill("label:ci")
    ui.card("runner-2").wait_for(state="detached")
    assert ui.card("runner-1").count() == 1 and ui.card("desktop").count() == 0
    search.fill("label:team=android")
    ui.card("runner-1").wait_for(state="detached")
    search.fill("nightly")  # notes are searched too
    ui.card("runner-1").wait_for()
    assert ui.api("GET", "/api/vms/runner-1/annotations")["labels"] == ["ci", "team=ios"]


def test_the_ssh_command_uses_the_remembered_user(ui: UI) -> None:
    ui.seed("box")
    ui.launch()
    ui.card("box").get_by_role("button", name="Start box").click()
    ui.page.locator('article.vm-card[data-vm="box"][data-status="running"]').wait_for()
    ui.wait_until(lambda: ui.api("GET", "/api/vms/box").get("ip_address"))
    drawer = ui.details("box")
    ip = ui.api("GET", "/api/vms/box")["ip_address"]
    drawer.get_by_text(f"ssh admin@{ip}").wait_for()  # type: ignore[attr-defined]
    user = drawer.get_by_label("SSH user name for box")  # type: ignore[attr-defined]
    user.fill("ubuntu")
    user.press("Enter")
    ui.wait_until(lambda: ui.api("GET", "/api/vms/box/annotations")["ssh_user"] == "ubuntu")
    drawer.get_by_text(f"ssh ubuntu@{ip}").wait_for()  # type: ignore[attr-defined]
    assert drawer.locator(f'a[href="ssh://ubuntu@{ip}"]').count() == 1  # type: ignore[attr-defined]


def test_run_a_throwaway_copy_from_the_details(ui: UI) -> None:
    ui.seed("golden")
    ui.launch()
    drawer = ui.details("golden")
    drawer.get_by_role("button", name="Run a throwaway copy…").click()  # type: ignore[attr-defined]
    dialog = ui.page.get_by_role("dialog", name="Run a throwaway copy")
    dialog.get_by_label("Name of the copy (optional)").fill("scratch-1")
    dialog.get_by_role("button", name="Run a copy").click()
    dialog.wait_for(state="detached")
    ui.page.keyboard.press("Escape")
    card = ui.page.locator('article.vm-card[data-vm="scratch-1"][data-status="running"]')
    card.wait_for(timeout=30_000)
    card.get_by_text("Throwaway: deleted when it stops").wait_for()
    ui.server.tart("stop", "scratch-1")
    ui.card("scratch-1").wait_for(state="detached", timeout=30_000)
