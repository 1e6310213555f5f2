"""Issue 19, point 2: what `/actions` refuses stays in place, disabled, with the server's
sentence next to it and as its accessible description; nothing says "shut it down first" where
Shut down itself is refused."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DESCRIPTION = """el => (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
    .map(id => document.getElementById(id)?.textContent || '').join(' ')"""


def test_a_linux_vms_suspend_is_shown_disabled_with_the_servers_reason(ui: UI) -> None:
    ui.seed("tux")
    task = ui.api("POST", "/api/vms/tux/start", json={})
    assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed"
    ui.launch()
    ui.page.locator('article.vm-card[data-vm="tux"][data-status="running"]').wait_for()
    drawer = ui.details("tux")
    verdicts = ui.api("GET", "/api/vms/tux/actions")
    assert not verdicts["suspend"]["allowed"]
    assert "macOS guests only" in verdicts["suspend"]["reason"]
    suspend = drawer.get_by_role("button", name="Suspend tux")
    suspend.wait_for()
    assert suspend.is_disabled()
    # Its accessible description is the server's sentence, and so is the text beside it.
    assert verdicts["suspend"]["reason"] in suspend.evaluate(DESCRIPTION)
    reasons = drawer.locator(".action-reason")
    assert verdicts["suspend"]["reason"] in reasons.inner_text()
    # Every refused control of the details has its reason, in words, in the same way.
    for action, label in (("edit", "Edit"), ("rename", "Rename"), ("delete", "Delete")):
        button = drawer.get_by_role("button", name=f"{label} tux")
        assert button.is_disabled(), action
        assert verdicts[action]["reason"] in button.evaluate(DESCRIPTION), action
        assert verdicts[action]["reason"] in reasons.inner_text(), action
    # The running VM's Shut down is offered, so "shut it down" is a way on that exists.
    assert drawer.get_by_role("button", name="Shut down tux").is_enabled()
    ui.page.keyboard.press("Escape")
    # The card's Delete too: disabled, described.
    delete = ui.card("tux").get_by_role("button", name="Delete tux")
    assert delete.is_disabled()
    assert "shut it down before deleting it" in delete.evaluate(DESCRIPTION)


def test_a_stopped_vm_shows_no_refusal_it_does_not_need(ui: UI) -> None:
    ui.seed("idle")
    ui.launch()
    drawer = ui.details("idle")
    drawer.get_by_role("button", name="Clone idle").wait_for()
    for label in ("Start", "Edit", "Rename", "Clone", "Delete"):
        assert drawer.get_by_role("button", name=f"{label} idle").is_enabled(), label
    assert drawer.locator(".action-reason").count() == 0
