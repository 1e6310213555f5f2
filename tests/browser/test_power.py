"""Issue 19, point 1: a running VM's main power action is a graceful Shut down; Force stop is in
its menu and asks first; a guest that does not stop in time is said so, with Force stop
offered; stopping a suspended VM says its saved state is discarded and asks first."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.browser.conftest import OFFLINE_CATALOG, UI, set_prefs

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _start(ui: UI, name: str) -> None:
    task = ui.api("POST", f"/api/vms/{name}/start", json={})
    assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed", task


def _running(ui: UI, name: str) -> None:
    ui.page.locator(f'article.vm-card[data-vm="{name}"][data-status="running"]').wait_for()


def _state(ui: UI, name: str) -> str:
    return str(ui.api("GET", f"/api/vms/{name}/actions")["state"])


def test_shut_down_is_the_main_action_and_force_stop_asks_first(ui: UI) -> None:
    ui.seed("gentle", "rough")
    _start(ui, "gentle")
    _start(ui, "rough")
    ui.launch()
    _running(ui, "rough")
    card = ui.card("rough")
    # The main button is Shut down; there is no lone Stop button that kills the guest.
    primary = card.locator('[data-primary="true"]')
    assert primary.inner_text().strip() == "Shut down"
    assert card.get_by_role("button", name="Stop rough", exact=True).count() == 0

    # Force stop is in the menu, and asks (saying unsaved work is lost); Cancel changes nothing.
    card.get_by_role("button", name="More power actions for rough").click()
    card.get_by_role("menuitem", name="Force stop…").click()
    dialog = ui.page.get_by_role("dialog", name="Force stop this VM?")
    assert "unsaved work in the guest is lost" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")
    assert _state(ui, "rough") == "running"
    card.get_by_role("button", name="More power actions for rough").click()
    card.get_by_role("menuitem", name="Force stop…").click()
    ui.page.get_by_role("dialog", name="Force stop this VM?").get_by_role(
        "button", name="Force stop"
    ).click()
    ui.task("stop", "rough").locator('.badge[data-status="completed"]').wait_for(timeout=30_000)
    ui.page.locator('article.vm-card[data-vm="rough"][data-status="stopped"]').wait_for()

    # Shut down from the card is the graceful path (a `shutdown` task, not a `stop`).
    ui.card("gentle").get_by_role("button", name="Shut down gentle").click()
    ui.task("shutdown", "gentle").locator('.badge[data-status="completed"]').wait_for(
        timeout=60_000
    )
    ui.page.locator('article.vm-card[data-vm="gentle"][data-status="stopped"]').wait_for()
    assert ui.page.locator('li.task[data-action="stop"]').count() == 1  # rough's only


def test_a_guest_that_does_not_stop_in_time_is_offered_force_stop(
    server_factory: Any, make_ui: Any
) -> None:
    # The guest takes ten minutes to answer the shutdown request (a dialog nobody sees); the
    # page waits 2 s (this browser's `shutdownWait`) before saying so.
    env = {**OFFLINE_CATALOG, "TART_SIM_GUEST_STOP_SECONDS": "600"}
    ui: UI = make_ui(server_factory(env_overrides=env).start())
    set_prefs(ui.context, shutdownWait=2)
    ui.seed("stubborn", os_name="darwin")
    _start(ui, "stubborn")
    ui.launch()
    _running(ui, "stubborn")
    drawer = ui.details("stubborn")
    drawer.get_by_role("button", name="Shut down stubborn").click()
    dialog = ui.page.get_by_role("dialog", name="The guest has not shut down")
    dialog.wait_for(timeout=60_000)
    text = dialog.inner_text()
    assert "still running 2 s after it was asked to shut down" in text
    assert "unsaved work in the guest is lost" in text
    assert _state(ui, "stubborn") == "running"
    dialog.get_by_role("button", name="Force stop").click()
    ui.task("stop", "stubborn").locator('.badge[data-status="completed"]').wait_for(timeout=30_000)
    assert _state(ui, "stubborn") == "stopped"


def test_stopping_a_suspended_vm_says_the_saved_state_is_discarded(ui: UI) -> None:
    from taartenfabriek.sim.seed import seed_vm

    seed_vm(ui.server.tart_home, "sleepy", os_name="darwin", suspended=True)
    ui.refresh()
    ui.launch()
    card = ui.card("sleepy")
    assert card.locator('[data-primary="true"]').inner_text().strip() == "Resume"
    card.get_by_role("button", name="Options for resuming sleepy").click()
    card.get_by_role("menuitem", name="Discard saved state…").click()
    dialog = ui.page.get_by_role("dialog", name="Discard the saved state?")
    assert "discards that saved state" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert _state(ui, "sleepy") == "suspended"
    # The same from the details' Resume menu, confirmed this time.
    drawer = ui.details("sleepy")
    drawer.get_by_role("button", name="Options for resuming sleepy").click()
    drawer.get_by_role("menuitem", name="Discard saved state…").click()
    ui.page.get_by_role("dialog", name="Discard the saved state?").get_by_role(
        "button", name="Discard and stop"
    ).click()
    ui.task("stop", "sleepy").locator('.badge[data-status="completed"]').wait_for(timeout=30_000)
    assert _state(ui, "sleepy") == "stopped"


def test_a_vm_started_elsewhere_says_why_it_cannot_be_shut_down(ui: UI) -> None:
    """Started from a terminal: the server cannot ask its guest; the drawer says so next to
    the disabled Shut down, and Force stop stays in its menu."""
    ui.seed("outsider")
    terminal = subprocess.Popen(
        [str(ui.server.tart_path), "run", "--no-graphics", "outsider"],
        env=ui.server.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ui.wait_until(lambda: _listed_running(ui, "outsider"), timeout=30)
        _elsewhere(ui)
    finally:
        terminal.terminate()
        terminal.wait(timeout=30)


def _listed_running(ui: UI, name: str) -> bool:
    return any(vm["name"] == name and vm["status"] == "running" for vm in ui.refresh())


def _elsewhere(ui: UI) -> None:
    ui.launch()
    _running(ui, "outsider")
    drawer = ui.details("outsider")
    shutdown = drawer.get_by_role("button", name="Shut down outsider")
    shutdown.wait_for()
    assert shutdown.is_disabled()
    reason = ui.api("GET", "/api/vms/outsider/actions")["shutdown"]["reason"]
    assert "not started by this server" in reason
    described = shutdown.evaluate(
        "el => (el.getAttribute('aria-describedby') || '').split(' ')"
        ".map(id => document.getElementById(id)?.textContent || '').join(' ')"
    )
    assert reason in described
    reasons = drawer.locator(".action-reason").inner_text()
    assert reason in reasons
    # No sentence sends the user to a Shut down that is refused (point 2).
    assert "shut it down" not in reasons.lower()
    assert "Force stop" in reasons
    drawer.get_by_role("button", name="More power actions for outsider").click()
    drawer.get_by_role("menuitem", name="Force stop…").wait_for()


def test_the_power_menu_follows_its_button_when_the_page_scrolls(
    server_factory: Any, make_ui: Any
) -> None:
    """A scroll of the page moves the open menu with its toggle instead of closing it (a scroll
    the page made itself closed it under test_axe[phone]); while the toggle is out of the
    window the menu is hidden, and it is back when the toggle is."""
    server = server_factory(env_overrides=OFFLINE_CATALOG).start()
    ui: UI = make_ui(server, viewport={"width": 390, "height": 600}, is_mobile=True)
    ui.seed("a1", "a2", "a3", "a4", "a5", "a6")
    _start(ui, "a1")
    ui.launch()
    _running(ui, "a1")
    ui.card("a1").get_by_role("button", name="More power actions for a1").click()
    menu = ui.page.get_by_role("menu")
    menu.wait_for()
    top = menu.bounding_box()
    assert top is not None
    ui.page.evaluate("() => window.scrollBy(0, 40)")
    ui.page.wait_for_function(
        "top => Math.round(document.querySelector('[role=menu]').getBoundingClientRect().top)"
        " === top - 40",
        arg=round(top["y"]),
    )
    assert ui.page.get_by_role("menuitem", name="Force stop…").is_visible()
    toggle = ui.card("a1").get_by_role("button", name="More power actions for a1").bounding_box()
    assert toggle is not None  # just out of the window (the list keeps its row rendered)
    ui.page.evaluate("y => window.scrollBy(0, y)", toggle["y"] + toggle["height"] + 20)
    menu.wait_for(state="hidden")
    ui.page.evaluate("() => window.scrollTo(0, 0)")
    ui.page.get_by_role("menuitem", name="Force stop…").click()
    ui.page.get_by_role("dialog").wait_for()
