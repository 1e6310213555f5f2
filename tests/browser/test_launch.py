"""The way in: the launch URL, the token gate, a refused token, strict headers, offline /docs."""

from __future__ import annotations

import re

import pytest

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_launch_url_opens_the_app_and_hides_the_token(ui: UI) -> None:
    response = ui.page.goto(ui.launch_url)
    assert response is not None
    html = response.text()
    headers = response.headers
    ui.page.get_by_role("heading", name="Virtual machines", exact=True).wait_for()

    # The token left the address bar and history entry, and lives in localStorage only.
    assert "token" not in ui.page.url
    stored = ui.page.evaluate("() => localStorage.getItem('taartenfabriek.token')")
    assert stored == ui.server.token
    assert ui.server.token not in html
    assert ui.context.cookies() == []

    # Every API call carries the header; none carries the token in its URL.
    ui.page.locator(".stats").filter(has_text="running").wait_for()
    assert ui.api_requests
    for request in ui.api_requests:
        assert request["headers"].get("x-local-token") == ui.server.token
        assert ui.server.token not in request["url"]

    # The HTML keeps its strict headers; the inline import map and boot script are allowed
    # by hash only.
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    csp = headers["content-security-policy"]
    assert re.search(r"script-src 'self'( 'sha256-[A-Za-z0-9+/=]+'){2};", csp)
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp

    # The launch URL was replaced, not pushed: Back leaves the app instead of revisiting it.
    ui.page.go_back()
    assert ui.page.url == "about:blank"


def test_without_a_token_the_gate_asks_for_it_and_shows_no_data(ui: UI) -> None:
    ui.seed("secret-vm")
    ui.page.goto(ui.server.base_url + "/")
    gate = ui.page.get_by_role("heading", name="Connect to this server")
    gate.wait_for()
    assert "~/.tartvm-manager/token" in ui.page.locator("main").inner_text()
    assert ui.api_requests == []
    assert "secret-vm" not in ui.page.content()

    # Pasting an empty token is explained next to the field.
    ui.page.get_by_role("button", name="Connect").click()
    ui.page.get_by_text("Paste the token first.").wait_for()

    ui.page.get_by_label("API token").fill(ui.server.token)
    ui.page.get_by_role("button", name="Connect").click()
    ui.card("secret-vm").wait_for()
    assert ui.page.get_by_label("API token").count() == 0


def test_a_refused_token_returns_to_the_gate_with_an_explanation(ui: UI) -> None:
    ui.context.add_init_script("localStorage.setItem('taartenfabriek.token', 'not-the-token')")
    ui.page.goto(ui.server.base_url + "/")
    alert = ui.page.get_by_role("alert").filter(has_text="refused")
    alert.wait_for()
    assert "rotated" in alert.inner_text()
    ui.page.get_by_role("heading", name="Connect to this server").wait_for()
    # The wrong token is forgotten, so a reload does not try it again.
    assert ui.page.evaluate("() => localStorage.getItem('taartenfabriek.token')") is None

    # A wrong token typed into the gate is refused the same way.
    ui.page.get_by_label("API token").fill("still-wrong")
    ui.page.get_by_role("button", name="Connect").click()
    ui.page.get_by_role("alert").filter(has_text="refused this token").wait_for()


def test_docs_render_offline_from_the_vendored_swagger_ui(ui: UI) -> None:
    response = ui.page.goto(ui.server.base_url + "/docs")
    assert response is not None and response.status == 200
    assert response.headers["x-frame-options"] == "DENY"
    ui.page.locator(".opblock").first.wait_for()
    paths = ui.page.locator(".opblock-summary-path").all_inner_texts()
    assert any(path.startswith("/api/vms") for path in paths)
    assert "/api/tasks/active" in [p.replace("\u200b", "") for p in paths]
    # No CDN: every script and stylesheet came from this server.
    sources = ui.page.evaluate(
        "() => [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href)"
    )
    assert sources and all(s.startswith(ui.server.base_url) for s in sources)


def test_a_server_restart_is_survived(ui: UI) -> None:
    ui.seed("survivor")
    ui.launch()
    ui.server.stop()
    # While it is down, the app says so (and keeps its token and what it last saw).
    banner = ui.page.get_by_role("alert").filter(has_text="cannot be reached")
    banner.wait_for(timeout=20_000)
    assert ui.card("survivor").is_visible()
    ui.server.start()  # same port, same token file
    banner.wait_for(state="detached", timeout=20_000)
    seed_vm(ui.server.tart_home, "newcomer")
    ui.page.get_by_role("button", name="Refresh from Tart").click()
    ui.card("newcomer").wait_for()


def test_unreachable_api_at_start_is_retried(ui: UI) -> None:
    # The page loads but the API does not answer (the server is restarting, say).
    ui.page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    ui.page.goto(ui.launch_url)
    ui.page.get_by_role("heading", name="Cannot reach the server").wait_for()
    assert ui.page.evaluate("() => localStorage.getItem('taartenfabriek.token')")
    ui.page.unroute("**/api/**")
    ui.page.get_by_role("heading", name="Virtual machines", exact=True).wait_for(timeout=10_000)


def test_the_harness_catches_requests_that_leave_the_machine(ui: UI) -> None:
    """The guard the other tests rely on: an off-site request is recorded and cannot resolve."""
    ui.page.goto("about:blank")
    outcome = ui.page.evaluate(
        "() => fetch('https://cdn.jsdelivr.net/npm/preact').then(() => 'reached', () => 'failed')"
    )
    assert outcome == "failed"
    assert ui.offsite == ["https://cdn.jsdelivr.net/npm/preact"]
    ui.offsite.clear()  # expected here: the teardown check fails any other test for it
