"""What an older Tart cannot do, explained in the start-options dialog (from /api/health)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _open_options(ui: UI, name: str) -> Any:
    drawer = ui.details(name)
    drawer.get_by_role("button", name=f"Options for starting {name}").click()
    ui.page.get_by_role("menuitem", name="Start with options…").click()
    return ui.page.get_by_role("dialog", name="Start with options")


def test_an_old_tart_greys_out_what_it_lacks(
    server_factory: Any, make_ui: Any, tmp_path: Path
) -> None:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TART_SIM_VERSION": "2.5.0"})
    ui: UI = make_ui(server.start())
    ui.seed("mac", os_name="darwin")
    ui.launch()
    dialog = _open_options(ui, "mac")
    host = dialog.locator('#so-network option[value="host"]')
    expect(host).to_be_disabled()
    expect(host).to_have_attribute("title", "`tart run --net-host` needs Tart 2.7.0 or newer; "
                                   "this Mac has Tart 2.5.0: update it with `brew upgrade "
                                   "cirruslabs/cli/tart`")  # fmt: skip
    expect(dialog.locator('#so-network option[value="softnet"]')).to_be_enabled()
    dialog.get_by_role("button", name="Add a folder").click()
    suspendable = dialog.get_by_label("Suspendable")
    expect(suspendable).to_be_disabled()
    expect(dialog.locator("#so-suspendable-hint")).to_contain_text(
        "Not with shared folders: shared folders on a suspendable VM needs Tart 2.27.2"
    )


def test_a_current_tart_offers_everything(ui: UI) -> None:
    ui.seed("mac", os_name="darwin")
    ui.launch()
    dialog = _open_options(ui, "mac")
    expect(dialog.locator('#so-network option[value="host"]')).to_be_enabled()
    dialog.get_by_role("button", name="Add a folder").click()
    expect(dialog.get_by_label("Suspendable")).to_be_enabled()
