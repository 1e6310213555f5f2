"""Page-wide states: Tart missing (how to install it), demo mode, a stale inventory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Route

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_tart_missing_banner_says_how_to_install_it(server_factory: Any, make_ui: Any) -> None:
    overrides = {**OFFLINE_CATALOG, "TARTVM_TART_PATH": "/nonexistent/bin/tart"}
    server = server_factory(env_overrides=overrides).start()
    ui: UI = make_ui(server)
    with server.client() as client:
        assert client.get("/api/tart/version").status_code == 503
    ui.launch()
    banner = ui.page.get_by_role("alert").filter(has_text="Tart is not installed")
    banner.wait_for()
    assert "brew install cirruslabs/cli/tart" in banner.inner_text()
    assert "--demo" in banner.inner_text()
    assert ui.page.locator(".pill", has_text="Tart missing").is_visible()


def test_demo_badge_and_stale_inventory_warning(ui: UI) -> None:
    health = ui.api("GET", "/api/health")
    health.update(demo=True, inventory_stale=True, inventory_age=125.0)

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(health))

    ui.page.route("**/api/health", fulfil)
    ui.launch()
    ui.page.locator(".pill-demo", has_text="Demo").wait_for()
    warning = ui.page.get_by_role("status").filter(has_text="may be out of date")
    warning.wait_for()
    assert "2 minutes old" in warning.inner_text()  # an age in words, not a clock (19.11)
