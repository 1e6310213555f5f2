"""Storage: disk use, free space, what could be reclaimed, and prune with a dry run first;
and a pull that cannot fit, refused with 507, in the pull and create dialogs."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taartenfabriek.sim.seed import seed_image, seed_vm
from tests.browser.conftest import OFFLINE_CATALOG, UI
from tests.care.fake_registry import running_registry

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DAY = 86400.0
SONOMA = "ghcr.io/cirruslabs/macos-sonoma-base:latest"
SEQUOIA = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
UBUNTU = "ghcr.io/cirruslabs/ubuntu:latest"


def _seed(tart_home: Path) -> None:
    """Three cached images and three VMs with known sizes and last-use dates."""
    now = time.time()
    for ref, allocated, days in ((SONOMA, 22.5, 40), (SEQUOIA, 21.2, 2), (UBUNTU, 3.4, 10)):
        seed_image(tart_home, ref, allocated_gb=allocated, accessed=now - days * DAY)
    for name, allocated, days in (("old", 30.0, 60), ("mid", 12.0, 8), ("new", 5.0, 1)):
        seed_vm(tart_home, name, os_name="linux", allocated_gb=allocated, accessed=now - days * DAY)


def _on_disk(tart_home: Path) -> set[str]:
    """VM names and OCI digest folders (as repo@digest), without touching their access dates."""
    found = set(os.listdir(tart_home / "vms"))
    oci = tart_home / "cache" / "OCIs"
    for folder, dirs, _files in os.walk(oci):
        for name in [d for d in dirs if d.startswith("sha256:")]:
            dirs.remove(name)
            if not os.path.islink(os.path.join(folder, name)):
                found.add(f"{Path(folder).relative_to(oci).as_posix()}@{name}")
    return found


def _wait_configs(ui: UI, names: set[str]) -> None:
    """The server reads each VM's `tart get` in the background; wait until it has (it also
    puts the access dates back, which the prune rules read)."""
    ui.wait_until(lambda: all(vm.get("os") for vm in ui.refresh() if vm["name"] in names))


@pytest.fixture
def storage_ui(server_factory: Any, make_ui: Callable[..., UI]) -> UI:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TARTVM_FREE_SPACE_OVERRIDE": "30"})
    _seed(server.tart_home)
    ui = make_ui(server.start())
    _wait_configs(ui, {"old", "mid", "new"})
    return ui


def _open_storage(ui: UI) -> Any:
    ui.launch()
    ui.page.get_by_role("button", name="Storage").click()
    drawer = ui.page.get_by_role("dialog", name="Storage")
    drawer.get_by_test_id("free-space").wait_for()
    assert ui.page.evaluate("location.hash") == "#/storage"
    return drawer


def test_storage_shows_every_entry_free_space_and_what_can_go(storage_ui: UI) -> None:
    ui = storage_ui
    api = ui.api("GET", "/api/storage")
    drawer = _open_storage(ui)
    assert drawer.get_by_test_id("free-space").inner_text() == "30 GB free"
    assert str(ui.server.tart_home) in drawer.locator(".volume-free").inner_text()
    # 30 GB cannot hold a macOS image: said up front, before anyone tries a pull
    assert "not enough to pull" in drawer.get_by_test_id("low-space").inner_text()

    vms = drawer.locator("section[aria-labelledby=store-vms] li.storage-row")
    vms.first.wait_for()
    shown = {row.get_attribute("data-entry"): row for row in vms.all()}
    assert set(shown) == {item["name"] for item in api["vms"]} == {"old", "mid", "new"}
    assert shown["old"].locator(".size-value").inner_text() == "30 GB"
    assert "used 2 months ago" in shown["old"].inner_text()
    images = drawer.locator("section[aria-labelledby=store-images] li.storage-row").all()
    by_name = {row.get_attribute("data-entry"): row for row in images}
    assert set(by_name) == {item["name"] for item in api["images"]}
    sonoma = next(item for item in api["images"] if item["tags"] == [SONOMA])
    assert by_name[sonoma["name"]].locator("a").inner_text() == SONOMA  # by its tag

    # what could be reclaimed: the caches, the stopped VMs (all of them here), none running
    caches = api["totals"]["images_gb"] + api["totals"]["ipsws_gb"]
    reclaim = drawer.locator("[data-reclaim=caches] .reclaim-size").inner_text()
    assert reclaim == f"{caches:.1f}".removesuffix(".0") + " GB"
    assert drawer.locator("[data-reclaim=stopped] .reclaim-size").inner_text() == "47 GB"
    assert drawer.locator("[data-reclaim=running] .reclaim-size").inner_text() == "0 GB"

    # an entry links to its details; Back returns to Storage
    shown["mid"].get_by_role("link", name="mid").click()
    ui.page.get_by_role("dialog", name="mid").wait_for()
    ui.page.go_back()
    ui.page.get_by_role("dialog", name="Storage").get_by_test_id("free-space").wait_for()


def test_prune_removes_exactly_what_the_preview_showed(storage_ui: UI) -> None:
    ui = storage_ui
    drawer = _open_storage(ui)
    sent: list[dict[str, Any]] = []

    def record(request: Any) -> None:
        if request.url.endswith("/api/storage/prune") and request.method == "POST":
            sent.append(json.loads(request.post_data or "{}"))

    ui.page.on("request", record)
    prune = drawer.locator("section.prune")
    prune.get_by_label("Cached images and IPSWs").check()
    prune.get_by_label("Not used for at least (days)").fill("7")
    before = _on_disk(ui.server.tart_home)
    prune.get_by_role("button", name="Preview").click()
    plan = prune.locator("section.prune-plan")
    plan.locator("li[data-remove]").first.wait_for()
    previewed = {row.get_attribute("data-remove") for row in plan.locator("li[data-remove]").all()}
    expected = ui.api(
        "POST", "/api/storage/prune/preview", json={"entries": "caches", "older_than_days": 7}
    )
    assert previewed == {entry["name"] for entry in expected["remove"]}
    assert len(previewed) == 2  # sonoma (40 days) and ubuntu (10 days), not sequoia
    assert "last accessed" in plan.inner_text() and "would be removed" in plan.inner_text()
    assert _on_disk(ui.server.tart_home) == before  # a preview removes nothing

    # changing a criterion drops the preview: a confirmation always matches what is shown
    prune.get_by_label("Not used for at least (days)").fill("30")
    plan.wait_for(state="detached")
    prune.get_by_label("Not used for at least (days)").fill("7")
    prune.get_by_role("button", name="Preview").click()
    confirm = prune.get_by_test_id("prune-confirm")
    assert confirm.inner_text().startswith("Remove 2 entries")
    confirm.click()
    done = prune.get_by_test_id("prune-done")
    done.wait_for()
    assert "removed 2 of 2 entries" in done.inner_text().lower()
    (body,) = sent  # one request, with exactly the previewed names and the same criteria
    names = body.pop("names")
    assert sorted(names) == sorted(previewed)
    assert body == {"entries": "caches", "older_than_days": 7}
    assert before - _on_disk(ui.server.tart_home) == previewed
    # the lists follow: the pruned images are gone, the other one stays
    drawer.locator(f'li[data-entry="{next(iter(previewed))}"]').wait_for(state="detached")
    remaining = drawer.locator("section[aria-labelledby=store-images] li.storage-row")
    assert remaining.count() == 1
    ui.task("prune").locator('.badge[data-status="completed"]').wait_for()


def test_prune_refused_when_an_entry_changed_since_the_preview(storage_ui: UI) -> None:
    ui = storage_ui
    drawer = _open_storage(ui)
    prune = drawer.locator("section.prune")
    prune.get_by_label("Stopped VMs").check()
    prune.get_by_label("Not used for at least (days)").fill("7")
    prune.get_by_role("button", name="Preview").click()
    plan = prune.locator("section.prune-plan")
    plan.locator('li[data-remove="old"]').wait_for()
    assert {r.get_attribute("data-remove") for r in plan.locator("li[data-remove]").all()} == {
        "old",
        "mid",
    }
    confirm = prune.get_by_test_id("prune-confirm")
    assert confirm.is_disabled()  # deleting VMs needs the acknowledgement
    plan.get_by_label("I understand that these VMs and their disks are deleted for good").check()
    assert confirm.is_enabled()

    # meanwhile, someone starts one of them
    task = ui.api("POST", "/api/vms/mid/start")
    assert ui.server.wait_task(task["id"])["status"] == "completed"
    confirm.click()
    problem = prune.locator(".prune-problem")
    problem.wait_for()
    text = problem.inner_text()
    assert "Nothing was removed" in text and "mid" in text and "preview again" in text.lower()
    assert confirm.is_disabled()  # the stale preview cannot be confirmed
    assert {"old", "mid"} <= _on_disk(ui.server.tart_home)
    assert not [t for t in ui.api("GET", "/api/tasks") if t["action"] == "prune"]

    problem.get_by_role("button", name="Preview again").click()
    plan.locator('li[data-remove="mid"]').wait_for(state="detached")
    assert [r.get_attribute("data-remove") for r in plan.locator("li[data-remove]").all()] == [
        "old"
    ]


def test_a_pull_that_cannot_fit_is_refused_with_the_figures(
    server_factory: Any, make_ui: Callable[..., UI]
) -> None:
    with running_registry() as registry:
        server = server_factory(
            env_overrides={
                **OFFLINE_CATALOG,
                "TARTVM_REGISTRY_URL": registry.url,
                "TARTVM_FREE_SPACE_OVERRIDE": "30",
            }
        ).start()
        ui = make_ui(server)
        ui.launch()
        ui.page.get_by_role("button", name="Pull image").click()
        dialog = ui.page.get_by_role("dialog", name="Pull an image")
        free = dialog.get_by_test_id("pull-free-space").inner_text()
        assert "30 GB free on the Tart volume" in free
        dialog.get_by_label("Image reference").fill(SEQUOIA)
        dialog.get_by_role("button", name="Pull", exact=True).click()
        refused = dialog.get_by_test_id("no-room")
        refused.wait_for()
        text = refused.inner_text()
        assert "Not enough free space" in text
        assert f"not enough free space to pull {SEQUOIA}" in text
        assert "needs 50.1 GB free" in text and "has 30.0 GB free" in text
        assert ui.api("GET", "/api/tasks") == []  # refused before any task
        refused.get_by_role("button", name="Open Storage").click()
        ui.page.get_by_role("dialog", name="Storage").get_by_test_id("free-space").wait_for()
        assert ui.page.get_by_role("dialog", name="Pull an image").count() == 0

        # a create from an image that is not cached pulls it first: refused the same way
        ui.page.keyboard.press("Escape")
        ui.page.get_by_role("button", name="New VM").first.click()
        create = ui.page.get_by_role("dialog", name="New VM")
        create.get_by_label("Source").select_option("__other__")
        create.get_by_label("Image reference").fill(SEQUOIA)
        create.get_by_role("button", name="Create VM").click()
        assert "has 30.0 GB free" in create.get_by_test_id("no-room").inner_text()
        assert ui.api("GET", "/api/tasks") == []


def test_storage_on_a_phone_with_the_keyboard_only(
    server_factory: Any, make_ui: Callable[..., UI]
) -> None:
    server = server_factory(env_overrides={**OFFLINE_CATALOG, "TARTVM_FREE_SPACE_OVERRIDE": "30"})
    _seed(server.tart_home)
    ui = make_ui(server.start(), viewport={"width": 390, "height": 844})
    _wait_configs(ui, {"old", "mid", "new"})
    ui.launch()
    page = ui.page
    page.get_by_role("button", name="Storage").focus()
    page.keyboard.press("Enter")
    drawer = page.get_by_role("dialog", name="Storage")
    drawer.get_by_test_id("free-space").wait_for()
    sideways = """() => {
      const body = document.querySelector('dialog[open] .dialog-body');
      return Math.max(body.scrollWidth - body.clientWidth,
                      document.documentElement.scrollWidth - window.innerWidth);
    }"""
    assert page.evaluate(sideways) <= 0

    days = drawer.get_by_label("Not used for at least (days)")
    days.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")  # submits the criteria: a preview, nothing removed
    drawer.locator("section.prune-plan li[data-remove]").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "plan-title"  # read out first
    assert page.evaluate(sideways) <= 0
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "prune-confirm":
            break
    else:
        raise AssertionError("the confirmation is not reachable with Tab")
    page.keyboard.press("Enter")
    drawer.get_by_test_id("prune-done").wait_for()
    assert page.evaluate("document.activeElement.className") == "prune-result"
    page.keyboard.press("Escape")
    drawer.wait_for(state="detached")
    assert "Storage" in page.evaluate("document.activeElement.textContent")
