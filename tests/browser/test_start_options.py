"""Start options in the browser: the split Start button and its menu (mouse and keyboard), the
dialog's live `tart run` preview from the server, the API's refusals next to their fields,
starting with the options, and changing them while the VM runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _argv(locator: Locator) -> list[str]:
    return list(json.loads(locator.get_attribute("data-argv") or "[]"))


def _wait_argv(ui: UI, locator: Locator, expected: list[str]) -> None:
    ui.wait_until(lambda: _argv(locator) == expected)


def _tasks(ui: UI, vm: str, action: str) -> list[dict[str, Any]]:
    return [t for t in ui.api("GET", f"/api/tasks?vm={vm}&limit=20") if t["action"] == action]


def test_start_with_options_from_the_split_button(ui: UI, tmp_path: Path) -> None:
    shared = tmp_path / "src"
    shared.mkdir()
    ui.seed("tux")
    ui.launch()
    drawer = ui.details("tux")
    summary = drawer.locator("section", has=ui.page.get_by_role("heading", name="Start options"))
    linux_default = ["tart", "run", "--vnc-experimental", "--no-graphics", "tux"]  # issue 16.2
    _wait_argv(ui, summary.locator(".command-line"), linux_default)

    # Keyboard: ArrowDown opens the menu on its item, Escape closes the menu only.
    toggle = drawer.get_by_role("button", name="Options for starting tux")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    ui.page.keyboard.press("ArrowDown")
    item = ui.page.get_by_role("menuitem", name="Start with options…")
    expect(item).to_be_focused()
    ui.page.keyboard.press("Escape")
    expect(item).to_have_count(0)
    expect(drawer).to_be_visible()
    expect(toggle).to_be_focused()
    ui.page.keyboard.press("Enter")
    expect(item).to_be_focused()
    ui.page.keyboard.press("Enter")

    dialog = ui.page.get_by_role("dialog", name="Start with options")
    command = dialog.locator(".command-line")
    _wait_argv(ui, command, linux_default)
    expect(dialog.get_by_label("Built-in VNC")).to_be_focused()
    dialog.get_by_label("Headless").check()
    dialog.get_by_label("Network").select_option("softnet")
    _wait_argv(ui, command, ["tart", "run", "--no-graphics", "--net-softnet", "tux"])

    # The server's refusals, next to the shared folder's path.
    dialog.get_by_role("button", name="Add a folder").click()
    path = dialog.get_by_label("Shared folder 1: path on this Mac")
    expect(path).to_be_focused()
    path.fill("relative/src")
    expect(path).to_have_attribute("aria-invalid", "true")
    error = dialog.locator(".option-row-error")
    expect(error).to_contain_text("must be an absolute path")
    expect(dialog.locator(".command-box.is-stale")).to_have_count(1)
    path.fill(str(tmp_path / "missing"))
    expect(error).to_contain_text("is not a folder on this Mac")
    path.fill(str(shared))
    dialog.get_by_label("Shared folder 1: read-only").check()
    expected = ["tart", "run", "--no-graphics", "--net-softnet", "--dir", f"src:{shared}:ro", "tux"]
    _wait_argv(ui, command, expected)
    expect(dialog.locator(".field-error")).to_have_count(0)
    expect(command).to_have_text("$ " + " ".join(expected))
    assert ui.api("GET", "/api/vms/tux/start-options")["saved"] is False  # preview saves nothing

    dialog.get_by_role("button", name="Start", exact=True).click()
    expect(dialog).to_have_count(0)
    ui.page.locator('article.vm-card[data-vm="tux"][data-status="running"]').wait_for()
    (task,) = _tasks(ui, "tux", "start")
    assert task["command"][1:] == expected[1:]
    state = ui.api("GET", "/api/vms/tux/start-options")
    assert state["saved"] is True and state["command"] == expected

    # Running: the details change the options for the next start (no Start button then).
    _wait_argv(ui, summary.locator(".command-line"), expected)
    drawer.get_by_role("button", name="Change the start options of tux").click()
    edit = ui.page.get_by_role("dialog", name="Start options")
    expect(edit.get_by_text("tux is running")).to_be_visible()
    expect(edit.get_by_role("button", name="Start", exact=True)).to_have_count(0)
    edit.get_by_label("Built-in VNC").check()
    edit.get_by_role("button", name="Remove shared folder 1").click()
    again = ["tart", "run", "--vnc-experimental", "--no-graphics", "--net-softnet", "tux"]
    _wait_argv(ui, edit.locator(".command-line"), again)
    edit.get_by_role("button", name="Save").click()
    expect(edit).to_have_count(0)
    _wait_argv(ui, summary.locator(".command-line"), again)
    assert ui.api("GET", "/api/vms/tux/start-options")["command"] == again

    # The split button's main half: a plain start, with the remembered options.
    ui.server.wait_task(ui.api("POST", "/api/vms/tux/stop")["id"])
    start = drawer.get_by_role("button", name="Start tux", exact=True)
    start.click()
    ui.page.locator('article.vm-card[data-vm="tux"][data-status="running"]').wait_for()
    ui.wait_until(lambda: len(_tasks(ui, "tux", "start")) == 2)
    newest = max(_tasks(ui, "tux", "start"), key=lambda t: t["created_at"])
    assert newest["command"][1:] == again[1:]


def test_save_without_starting_and_a_refusal_of_the_guest(ui: UI) -> None:
    ui.seed("mac", os_name="darwin")
    ui.launch()
    drawer = ui.details("mac")
    drawer.get_by_role("button", name="Options for starting mac").click()
    ui.page.get_by_role("menuitem", name="Start with options…").click()
    dialog = ui.page.get_by_role("dialog", name="Start with options")
    command = dialog.locator(".command-line")
    _wait_argv(ui, command, ["tart", "run", "--vnc", "--no-graphics", "mac"])
    # Rosetta is for Linux guests: the checkbox says why it is off.
    rosetta = dialog.get_by_label("Rosetta for x86 Linux programs")
    expect(rosetta).to_be_disabled()
    expect(dialog.get_by_text("macOS guests have Rosetta built in.")).to_be_visible()
    # A bridged network without an interface: the API's 422, at the interface field.
    dialog.get_by_label("Network").select_option("bridged")
    interface = dialog.get_by_label("Interface")
    expect(interface).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#so-bridged_interface-error")).to_contain_text("bridged_interface")
    interface.fill("en0")
    dialog.get_by_label("Suspendable").check()
    expected = ["tart", "run", "--vnc", "--no-graphics", "--net-bridged", "en0", "--suspendable"]
    _wait_argv(ui, command, [*expected, "mac"])
    dialog.get_by_role("button", name="Save without starting").click()
    expect(dialog).to_have_count(0)
    state = ui.api("GET", "/api/vms/mac/start-options")
    assert state["saved"] is True and state["command"] == [*expected, "mac"]
    assert _tasks(ui, "mac", "start") == []
    summary = drawer.locator("section", has=ui.page.get_by_role("heading", name="Start options"))
    _wait_argv(ui, summary.locator(".command-line"), [*expected, "mac"])
    expect(summary.get_by_text("Remembered for this VM")).to_be_visible()


def test_resume_with_options_from_the_split_button(ui: UI) -> None:
    """A suspended VM's split Resume button: "Resume with options…" sends its options to
    POST /resume (not /start), and the VM runs again from its saved state, suspendable."""
    seed_vm(ui.server.tart_home, "sleepy", os_name="darwin", suspended=True)
    ui.refresh()
    ui.launch()
    drawer = ui.details("sleepy")
    expect(drawer.get_by_role("button", name="Start sleepy", exact=True)).to_have_count(0)
    drawer.get_by_role("button", name="Options for resuming sleepy").click()
    ui.page.get_by_role("menuitem", name="Resume with options…").click()
    dialog = ui.page.get_by_role("dialog", name="Resume with options")
    expect(dialog.get_by_text("sleepy resumes from its saved state")).to_be_visible()
    dialog.get_by_label("Headless").check()
    dialog.get_by_label("Network").select_option("softnet")
    _wait_argv(
        ui,
        dialog.locator(".command-line"),
        ["tart", "run", "--no-graphics", "--net-softnet", "sleepy"],
    )

    def resume(request: Any) -> bool:
        return request.method == "POST" and request.url.endswith("/api/vms/sleepy/resume")

    with ui.page.expect_request(resume) as sent:
        dialog.get_by_role("button", name="Resume", exact=True).click()
    body = sent.value.post_data_json
    assert (body["display"], body["network"], body["remember"]) == ("none", "softnet", True)
    expect(dialog).to_have_count(0)
    ui.page.locator('article.vm-card[data-vm="sleepy"][data-status="running"]').wait_for()
    (task,) = _tasks(ui, "sleepy", "resume")
    assert _tasks(ui, "sleepy", "start") == []
    assert {"--no-graphics", "--net-softnet", "--suspendable"} <= set(task["command"])
    assert "--vnc" not in task["command"]
    assert ui.api("GET", "/api/vms/sleepy")["state"] == "running"


def test_the_dialog_follows_the_guest_os_when_it_arrives(
    server_factory: Any, make_ui: Any, tmp_path: Path
) -> None:
    """The guest's OS (which decides Rosetta) comes from `tart get` where the VM's files cannot
    say it; a dialog opened before that follows the inventory once it knows."""
    gate = tmp_path / "let-tart-get-answer"
    shim = tmp_path / "bin" / "tart"
    shim.parent.mkdir()
    shim.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = get ]; then while [ ! -e {gate} ]; do sleep 0.05; done; fi\n'
        f'exec {sys.executable} -m taartenfabriek.sim "$@"\n'
    )
    shim.chmod(0o755)
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TARTVM_TART_PATH": str(shim)})
    vm = Path(seed_vm(server.tart_home, "mac", os_name="darwin"))
    # a config.json the server cannot read a shown field of: the details wait for `tart get`
    config = json.loads((vm / "config.json").read_text())
    (vm / "config.json").write_text(json.dumps({**config, "memorySize": "unreadable"}))
    ui = make_ui(server.start())
    ui.launch()
    assert ui.api("GET", "/api/vms/mac")["os"] is None  # `tart get` has not answered yet
    ui.details("mac").get_by_role("button", name="Options for starting mac").click()
    ui.page.get_by_role("menuitem", name="Start with options…").click()
    dialog = ui.page.get_by_role("dialog", name="Start with options")
    rosetta = dialog.get_by_label("Rosetta for x86 Linux programs")
    expect(rosetta).to_be_enabled()
    gate.touch()
    expect(rosetta).to_be_disabled(timeout=15_000)
    expect(dialog.get_by_text("macOS guests have Rosetta built in.")).to_be_visible()
