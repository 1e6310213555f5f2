"""docs/ui.md's before/after pictures: the inventory at 1280x720, the power menu, a refused
action and the page with the server gone. Written to docs/ui/ only with
UPDATE_SCREENSHOTS=1 (`UI_SHOTS_SUFFIX` names the set, `after` by default); otherwise each
picture is still taken, and what it must show is checked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "ui"


def _shoot(ui: UI, folder: Path, name: str, **options: Any) -> None:
    suffix = os.environ.get("UI_SHOTS_SUFFIX", "after")
    path = folder / f"{name}-{suffix}.png"
    ui.page.screenshot(path=str(path), **options)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ui_doc_screenshots(server_factory: Any, make_ui: Any, tmp_path: Path) -> None:
    ui: UI = make_ui(server_factory(env_overrides=OFFLINE_CATALOG).start(), activity=None)
    folder = DOCS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(8):
        seed_vm(ui.server.tart_home, f"runner-{index + 1:02d}", os_name="linux", cpu=2)
    seed_vm(ui.server.tart_home, "monterey-ci", os_name="darwin", suspended=True)
    seed_vm(ui.server.tart_home, "sonoma-dev", os_name="darwin")
    ui.refresh()
    task = ui.api("POST", "/api/vms/runner-01/start", json={})
    assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed"
    ui.page.set_viewport_size({"width": 1280, "height": 720})
    ui.launch()
    card = ui.card("runner-01")
    ui.page.locator('article.vm-card[data-vm="runner-01"][data-status="running"]').wait_for()
    ui.page.mouse.move(0, 0)
    _shoot(ui, folder, "inventory")

    # The power menu of a running VM (before this work: a lone Stop button).
    toggle = card.locator(".split-toggle")
    if toggle.count():
        toggle.first.click()
        card.get_by_role("menu").wait_for()
    _shoot(ui, folder, "power-menu", clip=_around(card))
    ui.page.keyboard.press("Escape")

    # A refused action: a running Linux VM's Suspend (macOS guests only).
    drawer = ui.details("runner-01")
    drawer.get_by_role("button", name="Clone runner-01").wait_for()
    suspend = drawer.get_by_role("button", name="Suspend runner-01")
    if suspend.count():
        suspend.hover()
        assert suspend.is_disabled()
    _shoot(ui, folder, "refused")
    ui.page.keyboard.press("Escape")

    # The server gone.
    ui.server.stop()
    ui.page.get_by_role("alert").filter(has_text="The server").first.wait_for(timeout=30_000)
    ui.page.mouse.move(0, 0)
    _shoot(ui, folder, "offline")


def _around(card: Any) -> dict[str, float]:
    box = card.bounding_box()
    assert box is not None
    return {
        "x": max(box["x"] - 16, 0),
        "y": max(box["y"] - 16, 0),
        "width": box["width"] + 32,
        "height": box["height"] + 140,
    }
