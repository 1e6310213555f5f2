"""axe-core (vendored in tests/browser/axe, see VERSION.md) on every view, at desktop and phone
sizes: no serious or critical violation anywhere (issue 19). The scans run after each view is
shown as a user sees it: the inventory as cards and as a list with a selection, the details of
a running and a stopped VM (a refusal shown), each dialog, Settings, Storage, the token page,
the Console's fix and the page with the server gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 720}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
}
RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
}"""


class Scanner:
    def __init__(self, ui: UI) -> None:
        self.ui = ui
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.views: list[str] = []

    def __call__(self, view: str) -> None:
        page = self.ui.page
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE)  # through the DevTools protocol: the page's CSP does not apply
        page.wait_for_timeout(250)  # transitions and toasts settle
        self.views.append(view)
        violations = page.evaluate(RUN)
        if violations:
            self.found[view] = violations


def _close(ui: UI) -> None:
    ui.page.keyboard.press("Escape")
    ui.page.wait_for_timeout(150)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_view_has_no_serious_violation(size: str, server_factory: Any, make_ui: Any) -> None:
    from tests.browser.conftest import OFFLINE_CATALOG

    server = server_factory(env_overrides=OFFLINE_CATALOG).start()
    ui: UI = make_ui(server, activity=None, **SIZES[size])
    seed_vm(server.tart_home, "tux", os_name="linux", cpu=2)
    seed_vm(server.tart_home, "mac", os_name="darwin", suspended=True)
    seed_vm(server.tart_home, "idle", os_name="linux")
    ui.refresh()
    for path, body in (
        ("/api/vms/tux/start", {"display": "vnc"}),
        ("/api/vms/pull", {"oci_url": "ghcr.io/cirruslabs/ubuntu:latest"}),
    ):
        task = ui.api("POST", path, json=body)
        assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed"
    scan = Scanner(ui)
    page = ui.page

    ui.launch()
    page.locator('article.vm-card[data-vm="tux"][data-status="running"]').wait_for()
    scan("inventory, cards, activity rail")
    page.get_by_role("button", name="Show activity").click()
    page.locator("li.task").first.wait_for()
    scan("inventory, activity open")
    page.get_by_role("button", name="Hide", exact=True).click()

    # The power menu, open.
    ui.card("tux").get_by_role("button", name="More power actions for tux").click()
    scan("power menu")
    page.get_by_role("menuitem", name="Force stop…").click()
    page.get_by_role("dialog", name="Force stop this VM?").wait_for()
    scan("force stop dialog")
    _close(ui)

    # The list, with a selection and its bulk bar; then a bulk confirmation.
    page.get_by_role("button", name="List").click()
    page.get_by_role("checkbox", name="Select idle").check()
    page.get_by_role("checkbox", name="Select tux").check()
    scan("list with a selection")
    page.get_by_role("region", name="Selected VMs").get_by_role("button", name="Delete…").click()
    page.get_by_role("dialog", name="Delete 2 selected").wait_for()
    scan("bulk delete dialog")
    _close(ui)
    page.get_by_role("region", name="Selected VMs").get_by_role(
        "button", name="Clear selection"
    ).click()
    page.get_by_role("button", name="Cards").click()

    # Details: a running VM with refusals shown; its Console's reason and fix; a stopped VM.
    drawer = ui.details("tux")
    drawer.get_by_role("button", name="Suspend tux").wait_for()
    scan("details of a running VM, refusals shown")
    drawer.get_by_role("tab", name="Console").click()
    drawer.locator('.vm-pane-console[data-state="unavailable"]').wait_for()
    scan("console with its reason and fix")
    _close(ui)
    drawer = ui.details("idle")
    drawer.get_by_role("button", name="Start idle").wait_for()
    scan("details of a stopped VM")
    drawer.get_by_role("button", name="Rename idle").click()
    page.get_by_role("dialog", name="Rename").wait_for()
    scan("rename dialog")
    _close(ui)
    drawer.get_by_role("button", name="Edit idle").click()
    page.get_by_role("dialog", name="Edit configuration").get_by_label("CPU cores").wait_for()
    scan("edit dialog")
    _close(ui)
    drawer.get_by_role("button", name="Options for starting idle").click()
    drawer.get_by_role("menuitem", name="Start with options…").click()
    page.locator("dialog[open]").last.wait_for()
    scan("start options dialog")
    _close(ui)
    _close(ui)

    # The creation and pull dialogs (the catalog offline, an image marked pulled).
    page.get_by_role("button", name="New VM").first.click()
    page.get_by_role("dialog", name="New VM").wait_for()
    scan("new VM dialog")
    _close(ui)
    page.get_by_role("button", name="Pull image").click()
    page.get_by_role("dialog", name="Pull an image").locator(".catalog-item").first.wait_for()
    scan("pull dialog with the catalog")
    _close(ui)

    # Settings and Storage.
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("dialog", name="Settings").wait_for()
    scan("settings")
    _close(ui)
    page.get_by_role("button", name="Storage").click()
    page.get_by_role("dialog", name="Storage").wait_for()
    scan("storage")
    _close(ui)

    # The server gone.
    ui.server.stop()
    page.get_by_role("alert").filter(has_text="The server cannot be reached").wait_for(
        timeout=30_000
    )
    scan("server gone")

    # The token page (another browser, no token).
    gate = make_ui(ui.server.start(), activity=None, **SIZES[size])
    gate.page.goto(gate.server.base_url + "/")
    gate.page.get_by_role("heading", name="Connect to this server").wait_for()
    scan.ui = gate
    scan("token page")

    assert len(scan.views) >= 18
    assert not scan.found, scan.found

    # The scanner itself sees a violation: a button without a name is critical.
    gate.page.evaluate("() => document.body.append(document.createElement('button'))")
    scan("self-check")
    assert [v["id"] for v in scan.found["self-check"]] == ["button-name"]
