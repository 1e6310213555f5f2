"""The Console and Terminal tabs of the VM details in Chromium, against tart-sim: the canvas
shows the VM's framebuffer (pixels compared), typed keys reach it, `echo hello` answers in the
terminal, and a stopped VM is explained. docs/console.png is rewritten only with
UPDATE_SCREENSHOTS=1. (The console's own tests are in tests/console; this one is here for the
browser fixtures.)"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator

from taartenfabriek.sim import font
from taartenfabriek.sim.screen import FOREGROUND, TITLE_Y, Framebuffer
from tests.browser.conftest import OFFLINE_CATALOG, UI
from tests.console.conftest import CONSOLE_ENV
from tests.console.test_sim_display import title_pixels

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DOCS = Path(__file__).resolve().parents[2] / "docs"

CANVAS_DIGEST = """async () => {
  const canvas = document.querySelector('.vm-pane-console .vm-pane-screen canvas');
  if (!canvas || canvas.width < 2) return null;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const rgb = new Uint8Array((data.length / 4) * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    rgb[j] = data[i]; rgb[j + 1] = data[i + 1]; rgb[j + 2] = data[i + 2];
  }
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', rgb));
  return {
    width: canvas.width,
    height: canvas.height,
    sha256: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join(''),
  };
}"""

LIT_IN_BAND = """([top, bottom, r, g, b]) => {
  const canvas = document.querySelector('.vm-pane-console .vm-pane-screen canvas');
  const { data, width } = canvas.getContext('2d').getImageData(0, top, canvas.width, bottom - top);
  const lit = [];
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] === r && data[i + 1] === g && data[i + 2] === b) {
      const p = i / 4;
      lit.push([p % width, top + Math.floor(p / width)]);
    }
  }
  return lit;
}"""


@pytest.fixture
def ui(server_factory: Any, make_ui: Any) -> UI:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, **CONSOLE_ENV}).start()
    return make_ui(server, viewport={"width": 1440, "height": 900})


def _rgb_digest(fb: Framebuffer) -> str:
    rgb = bytearray(fb.width * fb.height * 3)
    for channel in range(3):
        rgb[channel::3] = fb.pixels[channel::4]
    return hashlib.sha256(rgb).hexdigest()


RECORD_PANE_STATES = """() => {
  window.paneStates = [];
  const note = () => document.querySelectorAll('.vm-pane-console').forEach((pane) => {
    const state = { state: pane.dataset.state, code: pane.dataset.code, text: pane.innerText };
    const last = window.paneStates[window.paneStates.length - 1];
    const changed = !last || last.state !== state.state || last.code !== state.code;
    if (changed) window.paneStates.push(state);
  });
  new MutationObserver(note).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
}"""


def _start(ui: UI, name: str, display: str) -> None:
    task = ui.api("POST", f"/api/vms/{name}/start", json={"display": display})
    assert ui.server.wait_task(task["id"])["status"] == "completed"


def _open(ui: UI, name: str, tab: str) -> Locator:
    drawer = ui.details(name)
    drawer.get_by_role("tab", name=tab).click()
    return drawer


def _canvas_shows(ui: UI, expected: str) -> None:
    ui.page.wait_for_function(
        f"async () => ({CANVAS_DIGEST})().then((d) => d && d.sha256 === '{expected}')",
        timeout=20_000,
    )


def test_the_console_draws_the_vms_screen_and_takes_keys(ui: UI) -> None:
    ui.seed("desk", os_name="darwin")
    _start(ui, "desk", "vnc-experimental")
    ui.launch()
    drawer = _open(ui, "desk", "Console")
    pane = drawer.locator('.vm-pane-console[data-state="connected"]')
    pane.wait_for()
    assert "Tart’s VNC server · 127.0.0.1:" in pane.locator(".vm-pane-state").inner_text()

    screen = Framebuffer(1024, 768, "desk")  # what tart-sim draws for this VM
    _canvas_shows(ui, _rgb_digest(screen))
    digest = ui.page.evaluate(CANVAS_DIGEST)
    assert (digest["width"], digest["height"]) == (1024, 768)
    top = int(768 * TITLE_Y)
    title = title_pixels("desk", 1024, 768)

    def lit() -> set[tuple[int, ...]]:
        band = ui.page.evaluate(LIT_IN_BAND, [top, top + 7 * 10, *FOREGROUND])
        return {tuple(p) for p in band}

    # polled: a layout change in the drawer (new content, a scrollbar) makes noVNC redraw, and
    # the canvas is blank for a frame between two reads
    ui.wait_until(lambda: lit() == title)
    assert font.text_width("desk", 10) > 0

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        ui.page.mouse.move(0, 0)
        ui.page.screenshot(path=str(DOCS / "console.png"))

    # keys typed on the canvas reach the VM, whose echo comes back as pixels
    drawer.locator(".vm-pane-screen canvas").click()
    ui.page.keyboard.type("hi")
    for char in "hi":
        screen.key(ord(char))
    _canvas_shows(ui, _rgb_digest(screen))


def test_the_terminal_runs_a_shell_in_the_vm(ui: UI) -> None:
    ui.seed("box")
    _start(ui, "box", "none")
    ui.launch()
    drawer = _open(ui, "box", "Terminal")
    pane = drawer.locator('.vm-pane-terminal[data-state="connected"]')
    pane.wait_for()
    rows = drawer.locator(".xterm-rows")
    ui.wait_until(lambda: rows.inner_text().strip() != "")  # the prompt
    drawer.locator(".xterm").click()
    ui.page.keyboard.type("echo hello")
    ui.page.keyboard.press("Enter")
    ui.wait_until(lambda: "hello" in [line.strip() for line in rows.inner_text().splitlines()])
    # the terminal fills its pane: the server's pty got the browser's size
    size = ui.page.evaluate(
        "() => { const r = document.querySelector('.xterm-rows'); return r.children.length; }"
    )
    assert size > 24
    ui.page.keyboard.type("stty size")
    ui.page.keyboard.press("Enter")
    ui.wait_until(lambda: f"{size} " in rows.inner_text())
    ui.page.keyboard.type("exit 3")
    ui.page.keyboard.press("Enter")
    drawer.locator('.vm-pane-terminal[data-state="exited"]').wait_for()
    ui.wait_until(lambda: "[the shell ended with exit code 3]" in rows.inner_text())


def test_stopped_vms_are_explained(ui: UI) -> None:
    _stopped_vms_are_explained(ui)


def test_a_vm_stopped_under_the_console_is_followed_without_the_watcher(
    server_factory: Any, make_ui: Any
) -> None:
    """With the file watcher off, only the console's own news that its VM stopped (and the
    inventory following the VM until its lock is gone) brings the page the stopped VM."""
    env = {**OFFLINE_CATALOG, **CONSOLE_ENV, "TARTVM_WATCH_FILES": "0"}
    server = server_factory(env_overrides=env).start()
    _stopped_vms_are_explained(make_ui(server, viewport={"width": 1440, "height": 900}))


def _stopped_vms_are_explained(ui: UI) -> None:
    ui.seed("resting", "later")
    ui.launch()
    drawer = _open(ui, "resting", "Console")
    pane = drawer.locator('.vm-pane-console[data-state="unavailable"][data-code="not_running"]')
    pane.wait_for()
    assert "resting is not running: start it to see its screen." in pane.inner_text()
    drawer.get_by_role("tab", name="Terminal").click()
    pane = drawer.locator('.vm-pane-terminal[data-state="closed"][data-code="not_running"]')
    pane.wait_for()
    assert "resting is not running: start it to open a terminal." in pane.inner_text()

    # a VM that stops while its console is open: the pane says so. Two things race, by
    # design: the socket's close ("The VM stopped.") and the inventory's news that the VM
    # stopped, which remounts the pane on the VM as it is now ("not running"). Every state
    # the pane passes through is recorded, so neither order can hide a wrong message.
    drawer.get_by_role("button", name="Close").click()
    _start(ui, "later", "vnc-experimental")
    drawer = _open(ui, "later", "Console")
    drawer.locator('.vm-pane-console[data-state="connected"]').wait_for()
    ui.page.evaluate(RECORD_PANE_STATES)
    ui.server.tart("stop", "later")
    now = drawer.locator('.vm-pane-console[data-state="unavailable"][data-code="not_running"]')
    now.wait_for()
    assert "later is not running: start it to see its screen." in now.inner_text()
    seen = ui.page.evaluate("window.paneStates")
    closes = [state for state in seen if state["state"] == "closed"]
    assert all(c["code"] == "vm_stopped" and "The VM stopped." in c["text"] for c in closes), seen
