"""Budget: the first render of 1,000 VMs within 300 ms and 300 KB gzipped.

The inventory is the server's real answer for one VM, repeated 1,000 times under other names
(routed in the browser: making 1,000 VMs through tart would measure tart, not the page).
"""

from __future__ import annotations

import copy
import gzip
import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Route

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

COUNT = 1000
RENDER_BUDGET_MS = 300
TRANSFER_BUDGET_BYTES = 300 * 1024


def _inventory(template: dict[str, Any]) -> list[dict[str, Any]]:
    vms = []
    for i in range(COUNT):
        vm = copy.deepcopy(template)
        vm["name"] = f"ci-runner-{i:04d}"
        running = i % 3 == 0
        vm["status"] = vm["state"] = "running" if running else "stopped"
        vm["ip_address"] = f"192.168.{64 + i // 250}.{i % 250 + 2}" if running else None
        vms.append(vm)
    return vms


MEASURE = """() => {
  const mark = performance.getEntriesByName('taartenfabriek:inventory-rendered')[0];
  const ends = performance.getEntriesByType('resource')
    .filter(e => e.name.endsWith('/api/vms') || e.name.endsWith('/api/health'))
    .map(e => e.responseEnd);
  return {
    rendered: mark.startTime,
    inventoryArrived: ends.length === 2 ? Math.max(...ends) : null,
    resources: performance.getEntriesByType('resource').map(e => e.name),
    cards: document.querySelectorAll('article.vm-card').length,
    preloads: [...document.querySelectorAll('link[rel=modulepreload]')].map(l => l.href),
  };
}"""


def _load(ui: UI) -> dict[str, Any]:
    """Open the app and return when (ms after navigation) the inventory arrived and showed.

    "Arrived" is the later of `/api/vms` and `/api/health` (the token check it waits for);
    "showed" is the app's own mark, set once the first inventory is in the DOM and laid out.
    Module loading and the server's answer times are reported, not budgeted: they depend on
    the machine's load more than on the page.
    """
    ui.page.goto(ui.launch_url)
    ui.page.wait_for_function(
        "() => performance.getEntriesByName('taartenfabriek:inventory-rendered').length"
    )
    timings: dict[str, Any] = ui.page.evaluate(MEASURE)
    assert timings["inventoryArrived"] is not None
    return timings


def test_first_render_of_1000_vms(ui: UI) -> None:
    ui.seed("template")
    template = ui.api("GET", "/api/vms/template")
    body = json.dumps(_inventory(template))

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=body)

    ui.context.unroute("**/*")  # the off-site guard costs a round trip to Python per request
    ui.page.route("**/api/vms", fulfil)
    # Best of three loads, as benchmarks do: a busy machine only ever makes a run slower.
    runs = [_load(ui) for _ in range(3)]
    timings = min(runs, key=lambda t: t["rendered"] - t["inventoryArrived"])
    render_ms = timings["rendered"] - timings["inventoryArrived"]

    sizes = {"/": len(gzip.compress(httpx.get(ui.server.base_url + "/").content))}
    with httpx.Client(base_url=ui.server.base_url) as client:
        for url in timings["resources"]:
            path = urlsplit(url).path
            if path.startswith("/static/"):
                sizes[path] = len(gzip.compress(client.get(url).content))
    sizes["/api/vms"] = len(gzip.compress(body.encode()))
    total = sum(sizes.values())
    print(
        f"\n1000 VMs: rendered {render_ms:.0f} ms after the inventory arrived, "
        f"{timings['rendered']:.0f} ms after navigation; {timings['cards']} cards in the DOM; "
        f"transfer {total / 1024:.1f} KB gzipped ({len(sizes)} responses, "
        f"inventory {sizes['/api/vms'] / 1024:.1f} KB)"
    )
    assert timings["cards"] < COUNT  # the rest renders as it scrolls into view (windowed)
    # Every module the first screen loaded was asked for up front (none an import level late).
    scripts = {url for url in timings["resources"] if urlsplit(url).path.endswith(".js")}
    assert scripts
    assert scripts <= set(timings["preloads"])
    assert render_ms <= RENDER_BUDGET_MS
    assert total <= TRANSFER_BUDGET_BYTES

    # Only what is in the window is rendered (issue 19.12); scrolling to the end shows the end.
    _scrolls_and_filters_windowed(ui)


# The window is covered: from the list's top (or the window's) to its bottom, the rendered
# items leave no gap taller than the cards' gap, and the list rows in view are the rows of
# consecutive indices (each row is placed absolutely from its index).
FILLED = """(selector) => {
  const items = [...document.querySelectorAll(selector)];
  if (!items.length) return false;
  const list = items[0].closest('.windowed').getBoundingClientRect();
  const from = Math.max(list.top, 0);
  const to = Math.min(list.bottom, innerHeight);
  const spans = items.map((e) => e.getBoundingClientRect()).sort((a, b) => a.top - b.top);
  let reach = from;
  for (const box of spans) {
    if (box.top > reach + 15) break;
    reach = Math.max(reach, box.bottom);
  }
  const rows = items.filter((e) => e.hasAttribute('aria-rowindex'))
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map((e) => Number(e.getAttribute('aria-rowindex')));
  return reach >= to - 15 && rows.every((index, i) => i === 0 || index === rows[i - 1] + 1);
}"""


def _filled(ui: UI, selector: str) -> None:
    ui.wait_until(lambda: ui.page.evaluate(FILLED, selector))


def _scrolls_and_filters_windowed(ui: UI) -> None:
    cards = ui.page.locator("article.vm-card")
    assert cards.count() < 100
    ui.page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    ui.page.locator(f'article.vm-card[data-vm="ci-runner-{COUNT - 1:04d}"]').wait_for()
    assert cards.count() < 100
    assert ui.page.locator('article.vm-card[data-vm="ci-runner-0000"]').count() == 0
    # Half way: the cards there, and only around there.
    ui.page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    ui.page.locator('article.vm-card[data-vm^="ci-runner-04"]').first.wait_for()
    _filled(ui, "article.vm-card")
    assert cards.count() < 100
    # Filtering renders the matches from the top; the list view is windowed too.
    ui.page.get_by_label("Search VMs").fill("ci-runner-09")
    ui.page.locator('article.vm-card[data-vm="ci-runner-0900"]').wait_for()
    assert cards.count() <= 100
    ui.page.get_by_label("Search VMs").fill("")
    ui.page.get_by_role("button", name="List").click()
    rows = ui.page.locator(".vm-list-body [role=row][data-vm]")
    rows.first.wait_for()
    assert rows.count() < 100
    ui.page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    ui.page.locator(f'[role=row][data-vm="ci-runner-{COUNT - 1:04d}"]').wait_for()
    _filled(ui, ".vm-list-body [role=row][data-vm]")
    assert rows.count() < 100
    ui.page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    _filled(ui, ".vm-list-body [role=row][data-vm]")
    middle = ui.page.locator(".vm-list-body [role=row][data-vm]").evaluate_all(
        "rows => rows.map(r => r.dataset.vm)"
    )
    assert any(name.startswith("ci-runner-04") for name in middle), middle
