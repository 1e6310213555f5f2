"""A VM's details in the browser: why a running VM has no IP address yet (`ip_diagnosis`), and
the IP lookup select (`PUT /api/vms/{name}/ip-resolver`), kept across reloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

NO_IP = {
    "TART_SIM_NO_IP": "tux",
    "TART_SIM_IP_RETRY_SECONDS": "0.1",
    "TARTVM_START_IP_TIMEOUT": "1",
    "TARTVM_IP_BOOT_GRACE": "0.5",
}


def _same(sentence: str) -> re.Pattern[str]:
    """The server's sentence with any number in it free ("started 4 s ago" ages), as the UI
    writes it: first letter capitalised, a full stop at the end."""
    pattern = re.sub(r"\d+", r"\\d+", re.escape(sentence[:1].upper() + sentence[1:]))
    return re.compile("^" + pattern + r"\.?$")


def _diagnosis(ui: UI, name: str) -> str:
    (vm,) = [v for v in ui.api("GET", "/api/vms") if v["name"] == name]
    return str(vm["ip_diagnosis"] or "")


def test_no_ip_diagnosis_and_the_ip_lookup(server_factory: Any, make_ui: Callable[..., UI]) -> None:
    ui = make_ui(server_factory(env_overrides={**OFFLINE_CATALOG, **NO_IP}).start())
    ui.seed("tux")
    ui.launch()
    ui.card("tux").get_by_role("button", name="Start tux").click()
    ui.page.locator('article.vm-card[data-vm="tux"][data-status="running"]').wait_for()
    drawer = ui.details("tux")

    # Linux with DHCP and no lease: the server's sentence, as it is.
    shown = drawer.get_by_test_id("ip-diagnosis").locator(".ip-diagnosis-text")
    ui.wait_until(lambda: "DUID" in _diagnosis(ui, "tux"))
    expect(shown).to_have_text(_same(_diagnosis(ui, "tux")))
    select = drawer.get_by_label("IP lookup")
    expect(select).to_have_value("auto")
    expect(select).to_be_enabled()  # the choice is loaded: until then a user cannot choose
    expect(drawer.locator("#ip-resolver-hint")).to_contain_text("now: DHCP")

    select.select_option("arp")
    ui.wait_until(lambda: ui.api("GET", "/api/vms/tux/ip-resolver")["chosen"] == "arp")
    ui.wait_until(lambda: "DUID" not in _diagnosis(ui, "tux"))
    arp = _diagnosis(ui, "tux")
    assert "arp" in arp.lower()
    expect(shown).to_have_text(_same(arp))
    expect(drawer.locator("#ip-resolver-hint")).to_contain_text("ARP table")

    # Remembered by the server: a new page shows the choice.
    ui.page.reload()
    drawer = ui.page.get_by_role("dialog", name="tux")
    drawer.wait_for()
    expect(drawer.get_by_label("IP lookup")).to_have_value("arp")
    expect(drawer.get_by_label("IP lookup")).to_be_enabled()
    drawer.get_by_label("IP lookup").select_option("auto")
    ui.wait_until(lambda: ui.api("GET", "/api/vms/tux/ip-resolver")["chosen"] is None)
    expect(drawer.get_by_test_id("ip-diagnosis").locator(".ip-diagnosis-text")).to_contain_text(
        "DUID"
    )
