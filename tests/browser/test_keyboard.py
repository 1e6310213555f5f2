"""Everything works from the keyboard: search, the card actions, dialogs and their focus."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _focused(ui: UI) -> str:
    return str(
        ui.page.evaluate(
            "() => document.activeElement.getAttribute('aria-label') || document.activeElement.id"
        )
    )


def _tab_to(ui: UI, label: str, limit: int = 40) -> None:
    for _ in range(limit):
        if _focused(ui) == label:
            return
        ui.page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {label!r} (stopped at {_focused(ui)!r})")


def test_keyboard_only_clone_and_start(ui: UI) -> None:
    ui.seed("kbd-vm", "other-vm")
    ui.launch()
    ui.page.keyboard.press("/")
    ui.page.keyboard.type("kbd")
    assert ui.page.locator("article.vm-card").count() == 1

    _tab_to(ui, "Clone kbd-vm")
    ui.page.keyboard.press("Enter")
    dialog = ui.page.get_by_role("dialog", name="Clone")
    dialog.wait_for()
    assert _focused(ui) == "clone-name"
    ui.page.keyboard.press("Control+A")
    ui.page.keyboard.type("kbd-vm-2")
    ui.page.keyboard.press("Enter")
    dialog.wait_for(state="detached")
    # Focus went back to the button that opened the dialog.
    assert _focused(ui) == "Clone kbd-vm"
    ui.card("kbd-vm-2").wait_for()

    _tab_to(ui, "Start kbd-vm-2")
    ui.page.keyboard.press("Enter")
    ui.page.locator('article.vm-card[data-vm="kbd-vm-2"][data-status="running"]').wait_for()


def test_dialog_keeps_focus_inside_and_escape_closes_it(ui: UI) -> None:
    ui.seed("focus-vm")
    ui.launch()
    opener = ui.card("focus-vm").get_by_role("button", name="Delete focus-vm")
    opener.focus()
    ui.page.keyboard.press("Enter")
    dialog = ui.page.get_by_role("dialog", name="Delete VM")
    dialog.wait_for()
    assert _focused(ui) == "delete-confirm"
    for _ in range(8):
        ui.page.keyboard.press("Tab")
        # Inside the dialog, or (between the last and first control) on the browser itself.
        where = "(el => el.closest('dialog') ? 'dialog' : el.tagName)(document.activeElement)"
        assert ui.page.evaluate(f"() => {where}") in ("dialog", "BODY")
    ui.page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert _focused(ui) == "Delete focus-vm"
    assert ui.card("focus-vm").is_visible()
