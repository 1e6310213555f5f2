"""Images both ways in the browser: registry login, push with progress, export and import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import OFFLINE_CATALOG, UI

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PASSWORD = "hunter2-registry"


@pytest.fixture
def images_ui(server_factory: Any, make_ui: Any) -> UI:
    env = {
        **OFFLINE_CATALOG,
        "TART_SIM_LOGIN_PASSWORD": PASSWORD,
        "TART_SIM_PUSH_SECONDS": "4",
        "TART_SIM_PROGRESS_INTERVAL": "0.2",
    }
    return make_ui(server_factory(env_overrides=env).start())  # type: ignore[no-any-return]


def test_log_in_to_a_registry_then_out(images_ui: UI) -> None:
    ui = images_ui
    ui.launch()
    ui.page.get_by_role("button", name="Settings").click()
    form = ui.page.get_by_role("form", name="Log in to a registry")
    form.get_by_label("Registry host").fill("registry.example.com:5000")
    form.get_by_label("User name").fill("ci-bot")
    form.get_by_label("Password or token").fill("wrong")
    form.get_by_role("button", name="Log in").click()
    form.get_by_text("refused the user name or password").wait_for()
    assert form.get_by_label("Password or token").input_value() == ""  # not kept on a failure

    form.get_by_label("Password or token").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    row = ui.page.locator('li[data-host="registry.example.com:5000"]')
    row.wait_for()
    assert "ci-bot" in row.inner_text()
    assert ui.api("GET", "/api/registries")["registries"][0]["username"] == "ci-bot"
    row.get_by_role("button", name="Log out of registry.example.com:5000").click()
    row.wait_for(state="detached")
    assert ui.api("GET", "/api/registries")["registries"] == []


def test_push_from_the_details_with_progress(images_ui: UI) -> None:
    ui = images_ui
    ui.seed("golden")
    ui.launch()
    drawer = ui.details("golden")
    drawer.get_by_role("button", name="Push…").click()  # type: ignore[attr-defined]
    dialog = ui.page.get_by_role("dialog", name="Push to a registry")
    targets = dialog.get_by_label("References")
    assert targets.input_value() == "ghcr.io/my-org/golden:latest"  # a suggestion to edit
    targets.fill("registry.example.com/acme/golden:1.0\nregistry.example.com/acme/golden:latest")
    dialog.get_by_role("button", name="Push").click()
    dialog.wait_for(state="detached")
    task = ui.task("push", "golden")
    task.locator("progress, [role=progressbar]").first.wait_for()
    task.locator('.badge[data-status="completed"]').wait_for(timeout=60_000)
    pushed = ui.api("GET", "/api/tasks?vm=golden&limit=5")
    push = next(t for t in pushed if t["action"] == "push")
    assert push["progress"] == 100
    # The references are remembered for this VM's next push.
    ui.page.keyboard.press("Escape")
    drawer = ui.details("golden")
    drawer.get_by_role("button", name="Push…").click()  # type: ignore[attr-defined]
    again = ui.page.get_by_role("dialog", name="Push to a registry").get_by_label("References")
    assert again.input_value().splitlines() == [
        "registry.example.com/acme/golden:1.0",
        "registry.example.com/acme/golden:latest",
    ]


def test_import_a_tvm_file(ui: UI, tmp_path: Path) -> None:
    ui.seed("golden")
    archive = tmp_path / "golden.tvm"
    ui.server.tart("export", "golden", str(archive))
    ui.launch()
    ui.page.get_by_role("button", name="Import").click()
    dialog = ui.page.get_by_role("dialog", name="Import a .tvm file")
    dialog.get_by_label(".tvm file on this Mac").fill(str(tmp_path / "missing.tvm"))
    dialog.get_by_label("New VM name").fill("copy")
    dialog.get_by_role("button", name="Import").click()
    dialog.get_by_text("no .tvm file at").wait_for()
    dialog.get_by_label(".tvm file on this Mac").fill(str(archive))
    dialog.get_by_role("button", name="Import").click()
    dialog.wait_for(state="detached")
    ui.card("copy").wait_for(timeout=30_000)
    ui.task("import", "copy").locator('.badge[data-status="completed"]').wait_for()
