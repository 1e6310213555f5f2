"""The main view with a few VMs, light and dark and narrow; docs/screenshot.png is rewritten
only with UPDATE_SCREENSHOTS=1 (the committed one is what the README shows)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DOCS = Path(__file__).resolve().parents[2] / "docs"
SEQUOIA = "ghcr.io/cirruslabs/macos-sequoia-base:latest"


def _seed_demo(ui: UI) -> None:
    ui.server.tart("pull", SEQUOIA, timeout=60)
    ui.server.tart("clone", SEQUOIA, "sequoia-dev")
    ui.server.tart("clone", SEQUOIA, "xcode-ci")
    ui.server.tart("create", "ubuntu-runner", "--linux")
    ui.refresh()
    task = ui.api("POST", "/api/vms/sequoia-dev/start", json={})
    assert ui.server.wait_task(task["id"])["status"] == "completed"


def _shoot(ui: UI, path: Path, **options: Any) -> None:
    ui.page.screenshot(path=str(path), **options)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_main_view_screenshots(ui: UI, make_ui: Any, tmp_path: Path) -> None:
    _seed_demo(ui)
    update = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    shots = DOCS if update else tmp_path
    shots.mkdir(exist_ok=True)

    ui.page.set_viewport_size({"width": 1440, "height": 900})
    ui.launch()
    ui.page.locator('article.vm-card[data-vm="sequoia-dev"][data-status="running"]').wait_for()
    ui.page.locator("li.task").first.wait_for()
    assert ui.page.locator("article.vm-card").count() == len(ui.api("GET", "/api/vms"))
    ui.page.mouse.move(0, 0)
    _shoot(ui, shots / "screenshot.png")

    dark = make_ui(ui.server, color_scheme="dark", viewport={"width": 1440, "height": 900})
    dark.launch()
    dark.page.locator("li.task").first.wait_for()
    background = dark.page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(12, 12, 14)"
    _shoot(dark, shots / "screenshot-dark.png")

    narrow = make_ui(ui.server, viewport={"width": 390, "height": 844}, is_mobile=True)
    narrow.launch()
    # Nothing sticks out sideways on a phone-sized window.
    overflow = narrow.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    _shoot(narrow, shots / "screenshot-narrow.png")
