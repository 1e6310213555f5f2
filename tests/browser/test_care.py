"""Taking care of the Mac in the UI: run logs per run (secrets redacted), why a VM has no IP,
and start at login in Settings (the macOS two-guest limit: test_macos_limit.py)."""

from __future__ import annotations

import plistlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.care import launchagent
from taartenfabriek.core.settings import Settings
from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _start(ui: UI, name: str, **body: Any) -> dict[str, Any]:
    task = ui.api("POST", f"/api/vms/{name}/start", json=body)
    done = ui.server.wait_task(task["id"])
    assert done["status"] == "completed", done
    return done


def test_run_log_of_each_run_with_secrets_redacted(ui: UI) -> None:
    ui.seed("dev")
    _start(ui, "dev", display="vnc-experimental")  # its log holds a VNC password
    stop = ui.api("POST", "/api/vms/dev/stop")
    assert ui.server.wait_task(stop["id"])["status"] == "completed"
    _start(ui, "dev", display="vnc")
    runs = ui.api("GET", "/api/vms/dev/logs")
    assert [r["live"] for r in runs] == [True, False]
    raw = (ui.server.home / "logs" / "runs" / "dev" / f"{runs[1]['id']}.log").read_text()
    password = re.search(r"vnc://:([^@]+)@", raw)
    assert password, raw

    ui.launch()
    ui.card("dev").get_by_role("link", name="dev").click()
    drawer = ui.page.get_by_role("dialog", name="dev")
    runlog = drawer.locator("section[aria-labelledby=runlog-title]")
    picker = runlog.get_by_label("Run")
    picker.wait_for()
    options = picker.locator("option")
    assert options.count() == 2
    assert options.nth(0).inner_text().endswith("· running")
    assert options.nth(1).inner_text().endswith("· exit 0")
    runlog.locator(".badge", has_text="Live").wait_for()  # the newest run is shown first

    picker.select_option(runs[1]["id"])
    text = runlog.locator("pre.run-log")
    text.filter(has_text="Stopping VM...").wait_for()
    shown = text.inner_text()
    assert "vnc://:[redacted]@127.0.0.1" in shown
    assert password[1] not in shown  # the secret never reaches the page
    assert "--vnc-experimental" in runlog.locator(".run-meta code").inner_text()
    assert runlog.locator(".badge", has_text="Live").count() == 0


def test_why_a_running_vm_has_no_ip(server_factory: Any, make_ui: Callable[..., UI]) -> None:
    server = server_factory(
        env_overrides={
            **OFFLINE_CATALOG,
            "TARTVM_START_IP_TIMEOUT": "1",
            "TARTVM_IP_BOOT_GRACE": "0.5",
            "TART_SIM_NO_IP": "tux",
            "TART_SIM_IP_RETRY_SECONDS": "0.1",
        }
    ).start()
    ui = make_ui(server)
    ui.seed("tux", "net")
    started = _start(ui, "tux")["result"]["ip_diagnosis"]
    _start(ui, "net")
    vms = {vm["name"]: vm for vm in ui.refresh()}
    diagnosis = vms["tux"]["ip_diagnosis"]
    assert "DUID" in diagnosis and vms["net"]["ip_address"] and not vms["net"]["ip_diagnosis"]

    ui.launch()
    # the start said why, in Activity
    why = ui.task("start", "tux").locator(".task-diagnosis")
    assert why.inner_text() == f"Why: {started}"
    assert ui.task("start", "net").locator(".task-diagnosis").count() == 0
    card = ui.card("tux")
    hint = card.locator(".ip-hint")
    hint.wait_for()
    assert hint.get_attribute("title") == diagnosis
    assert ui.card("net").locator(".ip-hint").count() == 0  # it has its address
    card.get_by_role("link", name="Why has tux no IP address?").click()
    explained = ui.page.get_by_role("dialog", name="tux").get_by_test_id("ip-diagnosis")
    text = explained.inner_text()
    assert "No IP address yet" in text
    assert diagnosis[0].upper() + diagnosis[1:] in text
    assert "tart ip --resolver dhcp" in text


def _install(server_home: Path, user_home: Path, port: int) -> None:
    plan = launchagent.install_plan(Settings(home=server_home, port=port), home=user_home)
    assert plan.contents is not None
    plan.plist.parent.mkdir(parents=True, exist_ok=True)
    plan.plist.write_bytes(plan.contents)


def test_start_at_login_in_settings(
    server_factory: Any, make_ui: Callable[..., UI], tmp_path: Path
) -> None:
    user_home = tmp_path / "user"
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "HOME": str(user_home)}).start()
    ui = make_ui(server)
    ui.launch()

    def section() -> Any:
        ui.page.get_by_role("button", name="Settings").click()
        found = ui.page.get_by_role("dialog", name="Settings").get_by_test_id("start-at-login")
        found.locator(".badge").wait_for()
        return found

    off = section()
    assert off.locator(".badge").get_attribute("data-state") == "off"
    command = f"taartenfabriek service install --port {server.port} --home {server.home}"
    assert off.get_by_text(command).count() == 1
    assert off.get_by_role("button", name="Copy command: Start at login").count() == 1
    assert f"taartenfabriek open --port {server.port}" in off.inner_text()
    assert "uninstall" not in off.inner_text()
    ui.page.keyboard.press("Escape")

    _install(server.home, user_home, server.port + 1)  # an agent for another server
    other = section()
    assert other.locator(".badge").get_attribute("data-state") == "other"
    assert f"port {server.port + 1}" in other.inner_text()
    assert other.get_by_text(command).count() == 1  # installing again switches it
    ui.page.keyboard.press("Escape")

    _install(server.home, user_home, server.port)
    plist = plistlib.loads(launchagent.plist_path(user_home).read_bytes())
    assert plist["EnvironmentVariables"]["TARTVM_HOME"] == str(server.home)
    on = section()
    assert on.locator(".badge").get_attribute("data-state") == "on"
    assert "This server starts when you log in" in on.inner_text()
    assert on.get_by_text("taartenfabriek service uninstall").count() == 1
    assert on.get_by_text(command).count() == 0
