"""Installable: Chromium finds the manifest the page links, parses it without an error, calls
the page installable (Chrome's "Install", Safari's "Add to Dock" read the same manifest), and
the maskable icon fills its square. The version in Settings is the package's."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, OFFLINE_CATALOG, TIMEOUT_MS, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CORNERS = """async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const alpha = (x, y) => context.getImageData(x, y, 1, 1).data[3];
  const last = image.naturalWidth - 1;
  return { size: image.naturalWidth, corner: alpha(0, 0), far: alpha(last, last),
           centre: alpha(last >> 1, last >> 1) };
}"""


def test_the_manifest_is_linked_valid_and_installable(
    browser: Browser, server_factory: Any, tmp_path: Path
) -> None:
    """In a persistent profile: Chromium declines to install anything from an incognito
    context (Playwright's usual kind) before it looks at the manifest."""
    server = server_factory(env_overrides=OFFLINE_CATALOG).start()
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server.base_url}/?token={server.token}")
        page.get_by_role("heading", name="Virtual machines", exact=True).wait_for()
        link = page.locator('link[rel="manifest"]')
        assert link.get_attribute("href") == "/manifest.webmanifest"
        session = context.new_cdp_session(page)
        found: dict[str, Any] = session.send("Page.getAppManifest")
        assert found["url"] == f"{server.base_url}/manifest.webmanifest"
        assert found["errors"] == []  # Chromium's own manifest parser
        fetched = json.loads(found["data"])  # what Chromium fetched, under the page's CSP
        assert fetched["display"] == "standalone" and fetched["start_url"] == "/"
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
        # the launch URL's token is stored, not kept in the address an app would reopen
        assert "token=" not in page.url
        assert page.evaluate("localStorage.getItem('taartenfabriek.token')") == server.token
        # the app window opens the start URL: the stored token lets the inventory in at once
        app = context.new_page()
        app.set_default_timeout(TIMEOUT_MS)
        app.goto(server.base_url + fetched["start_url"])
        app.get_by_role("heading", name="Virtual machines", exact=True).wait_for()
        app.locator(".stats").filter(has_text="running").wait_for()
    finally:
        context.close()


def test_icons_any_are_rounded_and_maskable_ones_fill_the_square(ui: UI) -> None:
    ui.launch()
    manifest = ui.page.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            continue
        pixels = ui.page.evaluate(CORNERS, icon["src"])
        assert icon["sizes"] == f"{pixels['size']}x{pixels['size']}"
        assert pixels["centre"] == 255
        if icon["purpose"] == "maskable":
            assert pixels["corner"] == pixels["far"] == 255, icon
        else:
            assert pixels["corner"] == pixels["far"] == 0, icon


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_window_takes_the_colour_scheme_s_theme(ui: UI, scheme: str) -> None:
    ui.page.emulate_media(color_scheme=scheme)
    ui.launch()
    colours = ui.page.evaluate(
        """() => [...document.querySelectorAll('meta[name="theme-color"]')]
             .filter((m) => matchMedia(m.media).matches).map((m) => m.content)"""
    )
    topbar = ui.page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--surface').trim()"
    )
    assert colours == [topbar]


def test_settings_show_the_package_version(ui: UI) -> None:
    ui.launch()
    ui.page.get_by_role("button", name="Settings").click()
    shown = ui.page.get_by_role("dialog", name="Settings").get_by_test_id("server-version")
    shown.filter(has_text=version("taartenfabriek")).wait_for()
