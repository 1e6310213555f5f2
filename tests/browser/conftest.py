"""Browser fixtures: Debian's Chromium driven by Playwright against the real server.

One Chromium per session, a fresh context (empty storage) per test. Every request that leaves
127.0.0.1 is recorded and cannot resolve, so a test fails if the UI (or /docs) reaches for a CDN;
page errors and CSP violations fail the test too.

Off-site requests are stopped by Chromium's own host resolver, not by `context.route`: a route
handler runs in this Python thread, only while it is inside a Playwright call, so every request
of the page stalled whenever a test waited on the server (httpx polling, `time.sleep`), and a
click's request could arrive 15 s late.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

from taartenfabriek.sim.seed import seed_vm
from tests.server import ServerProcess

if TYPE_CHECKING:
    from tests.browser.fleet import Fleet

CHROMIUM = os.environ.get("TARTVM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
TIMEOUT_MS = 15_000
LOCAL = ("127.0.0.1", "localhost")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Package scope, not session: Playwright's sync API keeps an event loop running in this
    thread while it is alive, and tests outside tests/browser call asyncio.run()."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser is a broken CI
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@dataclass
class UI:
    """A browser tab on one server, with helpers named after what a person sees."""

    server: ServerProcess
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    api_requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def launch_url(self) -> str:
        return f"{self.server.base_url}/?token={self.server.token}"

    def launch(self) -> None:
        """Open the URL `taartenfabriek serve` prints and wait for the inventory."""
        self.page.goto(self.launch_url)
        self.page.get_by_role("heading", name="Virtual machines", exact=True).wait_for()
        self.page.locator(".stats").filter(has_text="running").wait_for()

    def seed(self, *names: str, os_name: str = "linux") -> None:
        """Put VMs in the simulated TART_HOME (tart-sim's seeding helper: what `tart create`
        leaves on disk), then have the server refresh its inventory (the test harness turns
        periodic refreshes off)."""
        for name in names:
            seed_vm(self.server.tart_home, name, os_name=os_name)
        self.refresh()

    def refresh(self) -> list[dict[str, Any]]:
        return list(self.api("POST", "/api/vms/refresh", json={}))

    def card(self, name: str) -> Locator:
        return self.page.locator(f'article.vm-card[data-vm="{name}"]')

    def details(self, name: str) -> Locator:
        """Open the VM's details drawer from its card and return it, once shown."""
        self.card(name).get_by_role("link", name=name, exact=True).click()
        drawer = self.page.get_by_role("dialog", name=name)
        drawer.wait_for()
        return drawer

    def task(self, action: str, vm: str | None = None) -> Locator:
        tasks = self.page.locator(f'li.task[data-action="{action}"]')
        if vm is not None:
            tasks = tasks.filter(has=self.page.locator(f'.task-target[title="{vm}"]'))
        return tasks.first

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        with self.server.client() as client:
            response = client.request(method, path, **kwargs)
            response.raise_for_status()
            return response.json()

    def wait_until(self, check: Callable[[], Any], timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value or time.monotonic() > deadline:
                assert value, "condition not met in time"
                return value
            time.sleep(0.1)


@pytest.fixture
def make_ui(browser: Browser) -> Iterator[Callable[..., UI]]:
    """`make_ui(server, **context_options)`: a fresh browser context on a started server."""
    made: list[UI] = []

    def make(server: ServerProcess, **options: Any) -> UI:
        options.setdefault("viewport", {"width": 1280, "height": 860})
        activity = options.pop("activity", "shown")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        if activity is not None:
            # The Activity panel folds to a rail when nothing runs (issue 19.9); most tests
            # read finished tasks in it, so they open it as a user who keeps it open would.
            set_prefs(context, activity=activity)
        page = context.new_page()
        ui = UI(server=server, context=context, page=page)
        page.on("pageerror", lambda error: ui.errors.append(f"page error: {error}"))

        def console(message: Any) -> None:
            if message.type == "error" and "Refused to" in message.text:
                ui.errors.append(f"CSP: {message.text}")

        page.on("console", console)

        def request(req: Any) -> None:
            url = urlsplit(req.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL:
                ui.offsite.append(req.url)
            elif url.path.startswith("/api/"):
                ui.api_requests.append({"url": req.url, "headers": req.headers})

        page.on("request", request)
        made.append(ui)
        return ui

    yield make
    for ui in made:
        ui.context.close()
    for ui in made:
        assert not ui.errors, ui.errors
        assert not ui.offsite, f"requests left 127.0.0.1: {ui.offsite}"


def set_prefs(context: BrowserContext, **prefs: Any) -> None:
    """Merge `prefs` into the UI's stored preferences before any page script runs (pages
    without storage, such as about:blank, are left alone)."""
    script = (
        "(() => { try { const key = 'taartenfabriek.prefs'; let p = {};"
        " try { p = JSON.parse(localStorage.getItem(key) || '{}') || {}; } catch (e) {}"
        f" Object.assign(p, {json.dumps(prefs)});"
        " localStorage.setItem(key, JSON.stringify(p)); } catch (e) {} })()"
    )
    context.add_init_script(script)


OFFLINE_CATALOG = {
    "TARTVM_GITHUB_API_URL": "http://127.0.0.1:9",
    "TARTVM_REGISTRY_URL": "http://127.0.0.1:9",
}
"""The catalog's remote services on a closed local port: tests never reach the internet (the
server then serves its built-in list, marked stale)."""


@pytest.fixture
def ui(server_factory: Any, make_ui: Callable[..., UI]) -> UI:
    """A page on a fresh server with an empty Tart home (not yet opened)."""
    return make_ui(server_factory(env_overrides=OFFLINE_CATALOG).start())


@pytest.fixture(params=["local", "orchard"])
def fleet(
    request: pytest.FixtureRequest, server_factory: Any, make_ui: Callable[..., UI], tmp_path: Path
) -> Iterator[Fleet]:
    """The same UI flows on both backends: tart-sim, and Orchard (fake controller on loopback)."""
    from tests.browser.fleet import make_fleet

    yield from make_fleet(request.param, server_factory, make_ui, tmp_path)


@pytest.fixture
def orchard(server_factory: Any, make_ui: Callable[..., UI], tmp_path: Path) -> Iterator[Fleet]:
    """Orchard mode only (workers, phases, what Orchard cannot do)."""
    from tests.browser.fleet import make_fleet

    yield from make_fleet("orchard", server_factory, make_ui, tmp_path)
