"""The main view with a few VMs, light and dark and narrow; docs/screenshot.png is rewritten
only with UPDATE_SCREENSHOTS=1 (the committed one is what the README shows)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DOCS = Path(__file__).resolve().parents[2] / "docs"
SEQUOIA = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
UBUNTU = "ghcr.io/cirruslabs/ubuntu:latest"


def _run(ui: UI, method: str, path: str, body: dict[str, Any] | None = None) -> None:
    task = ui.api(method, path, json=body or {})
    assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed", task


def _seed_demo(ui: UI) -> None:
    """A small, realistic Mac: two base images, four VMs (one running), a few tasks."""
    seed_vm(ui.server.tart_home, "ubuntu-runner", os_name="linux", cpu=2)
    seed_vm(ui.server.tart_home, "legacy-monterey", os_name="darwin", suspended=True)
    _run(ui, "POST", "/api/vms/pull", {"oci_url": UBUNTU})
    _run(ui, "POST", "/api/vms/pull", {"oci_url": SEQUOIA})
    body = {"name": "xcode-ci", "source_vm": SEQUOIA, "cpu": 8, "memory": 16, "disk_size": 100}
    _run(ui, "POST", "/api/vms/create", body)
    _run(ui, "POST", f"/api/vms/{quote(SEQUOIA, safe='')}/clone", {"new_name": "sequoia-dev"})
    _run(ui, "POST", "/api/vms/sequoia-dev/start")


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
    # The server fills OS, CPU and memory from `tart get` in the background; the page's
    # polling shows them as they arrive.
    ui.page.wait_for_function(
        """() => [...document.querySelectorAll('article.vm-card:not(.is-image) .specs')]
              .every(el => el.textContent.includes('CPU'))"""
    )
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
