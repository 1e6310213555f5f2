"""Issue 19, point 8: offline, the catalog says "offline, showing what was last seen" in plain
words (no errno); images already on this Mac are marked Pulled, with New VM instead of Pull.
(`--demo`'s catalog from the simulator's registry: tests/catalog/test_api.py.)"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from taartenfabriek.catalog.images import builtin_images
from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

HOST = OFFLINE_CATALOG["TARTVM_REGISTRY_URL"].removeprefix("http://")
UBUNTU = f"{HOST}/cirruslabs/ubuntu:latest"  # as the catalog names it (its registry's host)


def _open_pull(ui: UI) -> Any:
    ui.page.get_by_role("button", name="Pull image").click()
    dialog = ui.page.get_by_role("dialog", name="Pull an image")
    dialog.locator(".catalog-item").first.wait_for()
    return dialog


def test_offline_in_words_and_pulled_images_marked(
    server_factory: Any, make_ui: Any, tmp_path: Any
) -> None:
    listed = tmp_path / "registry.txt"
    listed.write_text(f"{HOST}/cirruslabs/ubuntu linux 20\n")  # tart-sim serves it there
    env = {**OFFLINE_CATALOG, "TART_SIM_REGISTRY": str(listed)}
    ui: UI = make_ui(server_factory(env_overrides=env).start())
    task = ui.api("POST", "/api/vms/pull", json={"oci_url": UBUNTU})
    assert ui.server.wait_task(task["id"], timeout=60)["status"] == "completed"
    ui.launch()
    dialog = _open_pull(ui)
    offline = dialog.locator(".catalog-offline")
    expect(offline).to_contain_text("Offline, showing the built-in list")
    assert "Errno" not in offline.inner_text() and "Connect" not in offline.inner_text()
    # ubuntu:latest is on this Mac: marked, with New VM (which opens the form from it).
    item = dialog.locator('.catalog-item[data-image="ubuntu"]')
    expect(item.locator(".tag-pulled")).to_have_text("Pulled")
    assert item.get_by_role("button", name=f"Pull {UBUNTU}").count() == 0
    other = dialog.locator('.catalog-item[data-image="debian"]')
    assert other.locator(".tag-pulled").count() == 0
    other.get_by_role("button", name=f"Pull {HOST}/cirruslabs/debian:latest").wait_for()
    item.get_by_role("button", name=f"New VM from {UBUNTU}").click()
    create = ui.page.get_by_role("dialog", name="New VM")
    create.wait_for()
    assert UBUNTU in create.inner_text() or create.locator(f'[value="{UBUNTU}"]').count()


def test_offline_shows_what_was_last_seen(server_factory: Any, make_ui: Any) -> None:
    server = server_factory(env_overrides=OFFLINE_CATALOG)
    # A catalog fetched two hours ago from this (now unreachable) registry.
    server.home.mkdir(parents=True, exist_ok=True)
    seen = [image.model_copy(update={"origin": "registry"}) for image in builtin_images("ghcr.io")]
    (server.home / "catalog.json").write_text(
        json.dumps(
            {
                "format": 1,
                "key": f"registry {OFFLINE_CATALOG['TARTVM_REGISTRY_URL']}",
                "origin": "registry",
                "fetched_at": time.time() - 7200,
                "images": [image.model_dump(mode="json") for image in seen],
            }
        )
    )
    ui: UI = make_ui(server.start())
    ui.launch()
    dialog = _open_pull(ui)
    offline = dialog.locator(".catalog-offline")
    expect(offline).to_contain_text("Offline, showing what was last seen (2 hours ago)")
    assert "Errno" not in offline.inner_text()
