"""Issue 19, point 6: the terminal is not a keyboard trap (Ctrl+Shift+Escape, said in its
toolbar, moves focus out; Tab stays the shell's), and after an action re-renders a control,
focus lands on the control that replaced it, not on <body>."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

FOCUSED = """() => { const a = document.activeElement;
  return a === document.body ? 'body' : (a.getAttribute('aria-label') || a.textContent.trim()); }"""


def test_the_terminal_lets_the_keyboard_out(ui: UI) -> None:
    ui.seed("shell")
    task = ui.api("POST", "/api/vms/shell/start", json={"display": "none"})
    assert ui.server.wait_task(task["id"])["status"] == "completed"
    ui.launch()
    drawer = ui.details("shell")
    drawer.get_by_role("tab", name="Terminal").click()
    pane = drawer.locator('.vm-pane-terminal[data-state="connected"]')
    pane.wait_for()
    assert "Ctrl+Shift+Esc leaves the terminal" in pane.locator(".vm-pane-bar").inner_text()
    rows = drawer.locator(".xterm-rows")
    ui.wait_until(lambda: rows.inner_text().strip() != "")
    drawer.locator(".xterm").click()
    textarea = "() => document.activeElement.classList.contains('xterm-helper-textarea')"
    assert ui.page.evaluate(textarea)
    # Tab belongs to the shell (completion): focus stays.
    ui.page.keyboard.press("Tab")
    assert ui.page.evaluate(textarea)
    # The documented key leaves it, for the toolbar; Tab then goes on through the page.
    ui.page.keyboard.press("Control+Shift+Escape")
    assert ui.page.evaluate(FOCUSED) == "Reconnect"
    assert drawer.is_visible()  # the drawer did not close
    ui.page.keyboard.press("Shift+Tab")
    assert not ui.page.evaluate(textarea)


def test_focus_lands_on_the_control_that_replaced_the_one_used(ui: UI) -> None:
    ui.seed("kb")
    ui.launch()
    card = ui.card("kb")
    start = card.get_by_role("button", name="Start kb")
    start.focus()
    ui.page.keyboard.press("Enter")
    # Start becomes Shut down once the VM runs: focus follows, rather than falling to <body>.
    ui.page.locator('article.vm-card[data-vm="kb"][data-status="running"]').wait_for()
    shutdown = card.get_by_role("button", name="Shut down kb")
    ui.wait_until(lambda: shutdown.is_enabled())
    ui.wait_until(lambda: ui.page.evaluate(FOCUSED) == "Shut down kb")

    # Force stop from the menu, by keyboard: after the dialog, focus is back on the card's
    # controls (Start again, which replaced the menu's button), not on <body>.
    ui.page.keyboard.press("Tab")  # the menu button beside it
    assert ui.page.evaluate(FOCUSED) == "More power actions for kb"
    ui.page.keyboard.press("Enter")
    ui.page.keyboard.press("Enter")  # Force stop…
    dialog = ui.page.get_by_role("dialog", name="Force stop this VM?")
    dialog.get_by_role("button", name="Force stop").focus()
    ui.page.keyboard.press("Enter")
    ui.page.locator('article.vm-card[data-vm="kb"][data-status="stopped"]').wait_for()
    ui.wait_until(lambda: card.get_by_role("button", name="Start kb").is_enabled())
    ui.wait_until(lambda: ui.page.evaluate(FOCUSED) == "Start kb")
