"""The UI with the whole inventory, in headless Chromium (Debian's, driven by Playwright).

Each load is a fresh browser context (empty cache and storage) opening `/?token=...`.
- First render: milliseconds from navigation start until the list shows a VM: the app's
  own `taartenfabriek:inventory-rendered` performance mark when it sets one, otherwise the
  first moment a VM name is in the page's text (checked every animation frame).
- Bytes: the sum of `encodedDataLength` of every response (headers + body as sent, so
  compressed when gzip was used) from Chrome's network events, until the network is idle.
If no VM name ever shows (a UI without a VM list), render time is n/a and bytes still count.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .harness import Server, loadavg, median
from .report import Figure

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TARGET_MS = 300.0
TARGET_KB = 300.0
RENDER_WAIT_MS = 10_000

RENDERED = """(pattern) => new Promise((resolve) => {
  const re = new RegExp(pattern);
  const look = () => {
    const mark = performance.getEntriesByName('taartenfabriek:inventory-rendered')[0];
    if (mark) return resolve({at: mark.startTime, how: 'mark'});
    if (document.body && re.test(document.body.textContent)) {
      return resolve({at: performance.now(), how: 'text'});
    }
    requestAnimationFrame(look);
  };
  look();
})"""


PHASES = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const ends = (suffix) => performance.getEntriesByType('resource')
    .filter(e => new URL(e.name).pathname === suffix).map(e => e.responseEnd);
  const vms = ends('/api/vms');
  return {
    html: nav ? nav.responseEnd : null,
    dom: nav ? nav.domContentLoadedEventEnd : null,
    vms: vms.length ? Math.min(...vms) : null,
    resources: performance.getEntriesByType('resource').length,
  };
}"""


def available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists()


def _load(
    browser: Any, server: Server, first_vm: str, wait_ms: int = RENDER_WAIT_MS
) -> tuple[float, int, str, dict[str, Any]]:
    context = browser.new_context()
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        received: list[int] = []
        cdp.on("Network.loadingFinished", lambda e: received.append(int(e["encodedDataLength"])))
        page.goto(f"{server.base_url}/?token={server.token}")
        rendered: float = math.nan
        how = "none"
        try:
            result = page.evaluate(
                f"() => Promise.race([({RENDERED})({first_vm!r}), "
                f"new Promise(r => setTimeout(() => r(null), {wait_ms}))])"
            )
            if result is not None:
                rendered, how = float(result["at"]), str(result["how"])
        finally:
            page.wait_for_load_state("networkidle")
        phases: dict[str, Any] = page.evaluate(PHASES)
        return rendered, sum(received), how, phases
    finally:
        context.close()


def measure(
    server: Server, vm_count: int, reps: int, first_vm: str, *, quick: bool = False
) -> list[Figure]:
    """`quick` (CI smoke): no warm-up load, and give up on the list after 3 s."""
    from playwright.sync_api import sync_playwright

    renders: list[float] = []
    sizes: list[int] = []
    hows: set[str] = set()
    loads: list[str] = []
    phases: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            wait_ms = 3000 if quick else RENDER_WAIT_MS
            if not quick:
                _load(browser, server, first_vm)  # warm-up: the first launch fills disk caches
            for _ in range(reps):
                rendered, size, how, phase = _load(browser, server, first_vm, wait_ms)
                phases.append(phase)
                renders.append(rendered)
                sizes.append(size)
                hows.add(how)
                loads.append(loadavg())
        finally:
            browser.close()
    shown = [r for r in renders if not math.isnan(r)]
    render = median(shown) if len(shown) == len(renders) else math.nan
    kilobytes = median(sizes) / 1000
    load = f"{min(loads)}-{max(loads)}"
    note = (
        f"median of {reps} cold loads ({'/'.join(sorted(hows))}): "
        + ", ".join("n/a" if math.isnan(r) else f"{r:.0f}" for r in renders)
        + " ms"
    )
    if math.isnan(render):
        note += "; the page never showed a VM name: this UI has no VM list yet"

    def at(key: str) -> str:
        values = [float(p[key]) for p in phases if p.get(key) is not None]
        return f"{median(values):.0f}" if values else "n/a"

    note += (
        f"; medians: HTML in at {at('html')} ms, DOMContentLoaded (modules run) at "
        f"{at('dom')} ms, /api/vms in at {at('vms')} ms, {at('resources')} requests"
    )
    return [
        Figure(
            name=f"UI first render of the list, {vm_count} VMs",
            value=render,
            unit="ms",
            baseline="from navigation start",
            target=f"<= {TARGET_MS:g} ms",
            met=None if math.isnan(render) else render <= TARGET_MS,
            load=load,
            notes=[note],
        ),
        Figure(
            name=f"UI bytes transferred, {vm_count} VMs",
            value=kilobytes,
            unit="KB",
            baseline="all responses as sent, until network idle",
            target=f"<= {TARGET_KB:g} KB",
            met=kilobytes <= TARGET_KB,
            load=load,
        ),
    ]


LONG_TASKS = """() => {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__long.push(Math.round(entry.duration));
  }).observe({ type: 'longtask', buffered: false });
}"""


def _scroll_through(page: Any, step: int = 300) -> None:
    """Wheel down to the end of the list, a notch at a time, as a person would."""
    for _ in range(400):
        page.mouse.wheel(0, step)
        page.wait_for_timeout(40)
        at_end = page.evaluate(
            "() => innerHeight + scrollY >= document.documentElement.scrollHeight - 2"
        )
        if at_end:
            break
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(200)


def _center(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _filter(page: Any, search: tuple[float, float], text: str) -> None:
    page.mouse.click(*search)
    page.keyboard.type(text, delay=120)
    page.wait_for_timeout(200)
    for _ in text:
        page.keyboard.press("Backspace")
        page.wait_for_timeout(120)
    page.wait_for_timeout(200)


def _taken(page: Any) -> list[int]:
    """The long tasks since the last call."""
    taken: list[int] = page.evaluate("() => window.__long.splice(0)")
    return taken


def smoothness(server: Server, vm_count: int, first_vm: str, *, throttle: float = 4) -> Figure:
    """The longest main-thread task while scrolling through the whole list (cards, then the
    list view) and filtering it, with Chrome's CPU slowed `throttle` times (DevTools' CPU
    throttling), after the first render. Long tasks are the browser's own (`longtask`
    entries: over 50 ms); none at all is the target (issue 19.12: "scrolling and filtering").
    The click that switches the view is timed too, and reported in the notes."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{server.base_url}/?token={server.token}")
            page.evaluate(f"() => ({RENDERED})({first_vm!r})")
            page.wait_for_load_state("networkidle")
            # Clicks go to coordinates found before the CPU is slowed, as real mouse events:
            # a locator's click runs Playwright's own queries in the page first (roles and
            # accessible names of every button: 60-80 ms tasks at 4x that are not the app's).
            search = _center(page, "#vm-search")
            as_list = _center(page, 'button[aria-pressed][title="List"]')
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            page.evaluate(LONG_TASKS)
            load = loadavg()
            phases: dict[str, list[int]] = {}
            _scroll_through(page)
            phases["scrolling cards"] = _taken(page)
            _filter(page, search, "vm-01")
            phases["filtering cards"] = _taken(page)
            page.mouse.click(*as_list)
            page.wait_for_timeout(300)
            phases["switching to the list"] = _taken(page)
            _scroll_through(page)
            phases["scrolling the list"] = _taken(page)
            _filter(page, search, "linux")
            phases["filtering the list"] = _taken(page)
            rendered = page.evaluate(
                "() => document.querySelectorAll('.vm-list-body [role=row][data-vm]').length"
            )
            context.close()
        finally:
            browser.close()
    # The target is scrolling and filtering; the click between the views is one task
    # of its own (the old view's removal and the new one's first layout), reported apart.
    switch = phases.pop("switching to the list")
    long_tasks = [task for tasks in phases.values() for task in tasks]
    worst = max(long_tasks, default=0)
    return Figure(
        name=f"UI longest task scrolling and filtering, {vm_count} VMs, CPU {throttle:g}x slower",
        value=float(worst),
        unit="ms",
        baseline="after the first render; long tasks are those over 50 ms",
        target="no long task (none over 50 ms)",
        met=not long_tasks,
        load=f"{load}-{loadavg()}",
        notes=[
            f"{len(long_tasks)} long tasks"
            + (
                f" ({', '.join(str(t) for t in sorted(long_tasks, reverse=True)[:8])} ms)"
                if long_tasks
                else ""
            )
            + "; by phase: "
            + ", ".join(f"{name} {len(tasks)}" for name, tasks in phases.items())
            + "; the click from cards to list (not in the figure): "
            + (", ".join(f"{t} ms" for t in switch) if switch else "no long task")
            + f"; the list view held {rendered} rows of {vm_count} at the end"
        ],
    )
