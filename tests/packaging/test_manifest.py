"""The web app manifest over HTTP: its content type, the pages' headers and Host/Origin rules,
and icons that are what it says they are (PNG sizes read from the files)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import httpx
import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the module: these tests only read."""
    started = ServerProcess(root=tmp_path_factory.mktemp("manifest")).start()
    yield started
    started.stop()


REQUIRED = {"name", "short_name", "start_url", "scope", "display", "icons", "theme_color"}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first one, right after the signature)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_manifest_is_served_public_with_its_type_and_the_pages_headers(
    server: ServerProcess,
) -> None:
    answer = httpx.get(server.base_url + "/manifest.webmanifest")  # no token: browsers send none
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/manifest+json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    manifest = answer.json()
    assert manifest.keys() >= REQUIRED
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and "token" not in answer.text
    assert manifest["name"] == "de taartenfabriek" and len(manifest["short_name"]) <= 15
    head = httpx.head(server.base_url + "/manifest.webmanifest")
    assert (
        head.status_code == 200 and head.headers["content-type"] == answer.headers["content-type"]
    )


def test_manifest_follows_the_host_and_origin_rules(server: ServerProcess) -> None:
    url = server.base_url + "/manifest.webmanifest"
    assert httpx.get(url, headers={"Host": "evil.example"}).status_code == 403
    assert httpx.get(url, headers={"Origin": "http://evil.example"}).status_code == 403
    assert httpx.get(url, headers={"Origin": server.base_url}).status_code == 200


def test_icons_are_the_sizes_the_manifest_says(server: ServerProcess) -> None:
    manifest = httpx.get(server.base_url + "/manifest.webmanifest").json()
    sizes: dict[str, set[str]] = {}
    with httpx.Client(base_url=server.base_url) as client:
        for icon in manifest["icons"]:
            answer = client.get(icon["src"])
            assert answer.status_code == 200, icon
            assert answer.headers["content-type"].startswith(icon["type"])
            if icon["type"] == "image/png":
                width, height = png_size(answer.content)
                assert icon["sizes"] == f"{width}x{height}"
            sizes.setdefault(icon["purpose"], set()).add(icon["sizes"])
    # Chrome installs with 192 and 512 px; maskable ones fill the platform's shape
    assert {"192x192", "512x512"} <= sizes["any"]
    assert {"192x192", "512x512"} <= sizes["maskable"]


def test_the_page_links_the_manifest_and_both_theme_colours(server: ServerProcess) -> None:
    page = httpx.get(server.base_url + "/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'name="theme-color" media="(prefers-color-scheme: light)"' in page
    assert 'name="theme-color" media="(prefers-color-scheme: dark)"' in page
    touch = page.split('<link rel="apple-touch-icon" href="', 1)[1].split('"', 1)[0]
    assert png_size(httpx.get(server.base_url + touch).content) == (180, 180)
