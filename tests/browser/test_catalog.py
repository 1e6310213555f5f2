"""Pull from the catalog: images and their tags as the server lists them (against the fake
GitHub + ghcr.io of tests/fakes, so nothing leaves the machine)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import UI
from tests.fakes.ghcr_github import FakeServer, realistic_state

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def registry() -> Iterator[FakeServer]:
    server = FakeServer(realistic_state()).start()
    yield server
    server.stop()


def test_pull_an_image_and_tag_from_the_catalog(
    server_factory: Any, make_ui: Any, registry: FakeServer
) -> None:
    env = {"TARTVM_GITHUB_API_URL": registry.url, "TARTVM_REGISTRY_URL": registry.url}
    ui: UI = make_ui(server_factory(env_overrides=env).start())
    images = ui.api("GET", "/api/vms/available-images")
    image = next(img for img in images if len(img["tags"]) > 1)
    tag = image["tags"][-1]

    ui.launch()
    ui.page.get_by_role("button", name="Pull image").click()
    dialog = ui.page.get_by_role("dialog", name="Pull an image")
    listed = dialog.locator("li.catalog-item")
    listed.first.wait_for()
    assert listed.evaluate_all("els => els.map(e => e.dataset.image)") == [
        img["name"] for img in images
    ]
    # Narrow the list, choose a tag, pull.
    dialog.get_by_label("Filter the catalog").fill(image["name"])
    item = dialog.locator(f'li.catalog-item[data-image="{image["name"]}"]')
    item.get_by_label(f"Tag of {image['name']}").select_option(tag)
    reference = image["url"].rsplit(":", 1)[0] + f":{tag}"
    item.get_by_role("button", name=f"Pull {reference}").click()
    dialog.wait_for(state="detached")
    ui.task("pull", reference).wait_for()
    pulls = [t for t in ui.api("GET", "/api/tasks?limit=5") if t["action"] == "pull"]
    assert pulls and pulls[0]["vm"] == reference
