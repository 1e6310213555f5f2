"""New VM → From scratch in the browser: an empty Linux VM with an installer ISO (and the API's
refusal of an x86 ISO next to its field), and macOS from an IPSW with its progress followed in
the dialog and in Activity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _scratch(ui: UI) -> Locator:
    ui.page.get_by_role("button", name="New VM").first.click()
    dialog = ui.page.get_by_role("dialog", name="New VM")
    dialog.get_by_role("button", name="From scratch").click()
    expect(dialog.get_by_role("button", name="From scratch")).to_have_attribute(
        "aria-pressed", "true"
    )
    return dialog


def test_an_empty_linux_vm_with_its_installer(ui: UI, tmp_path: Path) -> None:
    iso = tmp_path / "debian-12-arm64-netinst.iso"
    iso.write_bytes(b"\0" * 1024)
    x86 = tmp_path / "ubuntu-24.04-live-server-amd64.iso"
    x86.write_bytes(b"\0" * 1024)
    ui.launch()
    dialog = _scratch(ui)
    dialog.get_by_label("Name").fill("deb")
    expect(dialog.get_by_label("Linux")).to_be_checked()
    field = dialog.get_by_label("Installer ISO (optional)")
    field.fill(str(x86))
    dialog.get_by_label("Disk size", exact=True).fill("20")
    dialog.get_by_role("button", name="Create VM").click()
    # The server refuses an amd64 image (422): said under the ISO field, nothing created.
    expect(dialog.locator("#scratch-iso-error")).to_contain_text("arm64")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert ui.api("GET", "/api/tasks?limit=5") == []

    field.fill(str(iso))
    dialog.get_by_role("button", name="Create VM").click()
    progress = dialog.locator(".scratch-progress")
    expect(progress).to_have_attribute("data-status", "completed", timeout=30_000)
    expect(progress.locator(".scratch-progress-head strong")).to_have_text("Created deb")
    expect(progress.get_by_text("Start it to boot the installer")).to_be_visible()
    state = ui.api("GET", "/api/vms/deb/start-options")
    assert state["options"]["display"] == "vnc-experimental"
    assert state["options"]["disks"] == [{"path": str(iso), "read_only": True}]
    assert ui.api("GET", "/api/vms/deb/config?force_refresh=true")["disk_size"] == "20G"
    progress.get_by_role("button", name="Open deb").click()
    drawer = ui.page.get_by_role("dialog", name="deb")
    drawer.wait_for()
    expect(drawer.locator(".command-line")).to_contain_text(f"--disk {iso}:ro")


def test_macos_from_an_ipsw_with_progress(server_factory: Any, make_ui: Callable[..., UI]) -> None:
    knobs = {"TART_SIM_IPSW_SECONDS": "2", "TART_SIM_INSTALL_SECONDS": "2"}
    ui = make_ui(server_factory(env_overrides={**OFFLINE_CATALOG, **knobs}).start())
    ui.launch()
    dialog = _scratch(ui)
    dialog.get_by_label("Name").fill("sequoia")
    dialog.get_by_label("macOS").check()
    expect(dialog.get_by_label("Installer ISO (optional)")).to_have_count(0)
    expect(dialog.get_by_label("Restore image (IPSW)")).to_have_value("latest")
    dialog.get_by_role("button", name="Create VM").click()
    bar = dialog.get_by_role("progressbar", name="Progress of creating sequoia")
    # Part way: the bar shows the task's progress (download 0-50 %, installation 50-100 %).
    ui.page.wait_for_function(
        "(el) => { const v = +el.getAttribute('aria-valuenow'); return v > 0 && v < 100; }",
        arg=bar.element_handle(),
        timeout=30_000,
    )
    expect(dialog.locator(".scratch-progress")).to_have_attribute(
        "data-status", "completed", timeout=60_000
    )
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(dialog.get_by_text("the setup assistant shows")).to_be_visible()
    activity = ui.task("create-empty", "sequoia")
    expect(activity.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    (task,) = [t for t in ui.api("GET", "/api/tasks?limit=5") if t["action"] == "create-empty"]
    assert task["command"][1:4] == ["create", "sequoia", "--from-ipsw"]
    dialog.get_by_role("button", name="Close").last.click()
    expect(dialog).to_have_count(0)
    ui.card("sequoia").wait_for()
