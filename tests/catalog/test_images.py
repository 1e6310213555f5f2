"""Pure conversion and tag ordering: what the pull dialog shows first."""

from __future__ import annotations

import pytest

from taartenfabriek.catalog import images, known


def test_latest_first_then_newest_versions_numeric_aware() -> None:
    tags = ["16.1", "latest", "16.10", "16.2", "15.4", "16", "16.3-beta-1", "16.3", "16.3-beta-2"]
    assert images.order_tags(tags) == [
        "latest",
        "16",
        "16.10",
        "16.3",
        "16.3-beta-2",
        "16.3-beta-1",
        "16.2",
        "16.1",
        "15.4",
    ]


def test_digest_only_tags_are_dropped_and_duplicates_merged() -> None:
    digest = "ab" * 32
    tags = ["latest", f"sha256-{digest}.sig", f"sha256-{digest}.att", digest, "latest", "14.1"]
    assert images.order_tags(tags) == ["latest", "14.1"]


def test_codenames_count_as_their_macos_version() -> None:
    assert images.order_tags(["sonoma", "tahoe", "sequoia", "ventura"]) == [
        "tahoe",
        "sequoia",
        "sonoma",
        "ventura",
    ]


def test_names_after_versions_alphabetically() -> None:
    assert images.order_tags(["edge", "bookworm", "latest", "v2.1", "12"]) == [
        "latest",
        "12",
        "v2.1",
        "bookworm",
        "edge",
    ]


def test_date_versions_newest_first() -> None:
    assert images.order_tags(["2024.01.05", "2025.02.01", "2024.11.30"]) == [
        "2025.02.01",
        "2024.11.30",
        "2024.01.05",
    ]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [(["latest", "16.1"], "latest"), (["16.1", "16.2"], "16.2"), ([], None)],
)
def test_default_tag(tags: list[str], expected: str | None) -> None:
    assert images.default_tag(images.order_tags(tags)) == expected


def test_make_image_uses_latest_and_known_description() -> None:
    image = images.make_image(
        "macos-sequoia-xcode", ["16.1", "latest"], registry_host="ghcr.io", origin="registry"
    )
    assert image is not None
    assert image.url == "ghcr.io/cirruslabs/macos-sequoia-xcode:latest"
    assert image.description == "macOS Sequoia (15), with Xcode (tags are Xcode versions)"
    dumped = image.model_dump()
    assert dumped["origin"] == "registry"
    assert dumped["os"] == "macos"
    assert image.updated_at is None


def test_make_image_without_latest_points_at_newest() -> None:
    image = images.make_image(
        "macos-runner", ["sonoma", "tahoe"], registry_host="ghcr.io", origin="registry"
    )
    assert image is not None
    assert image.url == "ghcr.io/cirruslabs/macos-runner:tahoe"


def test_make_image_with_only_digests_is_skipped() -> None:
    assert images.make_image("ubuntu", ["ab" * 32], registry_host="h", origin="registry") is None


def test_image_from_package_reads_version_tags_and_package_dates() -> None:
    package = {"name": "ubuntu", "updated_at": "2025-01-02T03:04:05Z", "repository": {}}
    versions = [
        {"metadata": {"container": {"tags": ["22.04"]}}},
        {"metadata": {"container": {"tags": []}}},  # untagged digest
        {"metadata": {"container": {"tags": ["latest", "24.04"]}}},
        {"metadata": {"package_type": "container"}},  # no container metadata at all
    ]
    image = images.image_from_package(package, versions, registry_host="ghcr.io")
    assert image is not None
    assert image.tags == ["latest", "24.04", "22.04"]
    assert image.updated_at == "2025-01-02T03:04:05Z"
    assert image.description == known.LINUX["ubuntu"]
    assert image.model_dump()["origin"] == "github"
    assert image.model_dump()["os"] == "linux"


def test_package_description_wins_over_the_maintained_one() -> None:
    package = {"name": "macos-tahoe-base", "description": "From the API"}
    versions = [{"metadata": {"container": {"tags": ["latest"]}}}]
    image = images.image_from_package(package, versions, registry_host="ghcr.io")
    assert image is not None and image.description == "From the API"


def test_describe_known_pattern_and_unknown() -> None:
    assert known.describe(
        "macos-tahoe-vanilla",
    ).startswith("macOS Tahoe (26), clean install")
    assert known.describe("macos-monterey-base") == (
        "macOS Monterey (12), with Homebrew and common developer tools"
    )
    assert known.describe("macos-sonoma-custom") == "macOS Sonoma (14), custom image"
    assert known.describe("flutter") is None


def test_tart_image_filter_keeps_macos_and_known_linux_only() -> None:
    assert known.is_tart_image("macos-sonoma-base")
    assert known.is_tart_image("ubuntu")
    assert not known.is_tart_image("flutter")
    assert not known.is_tart_image("cirrus-ci-agent")


def test_display_order_newest_release_first_then_runner_then_linux() -> None:
    names = [
        "ubuntu",
        "macos-sonoma-base",
        "macos-runner",
        "macos-tahoe-xcode",
        "macos-tahoe-vanilla",
        "macos-zzz-base",
        "debian",
        "macos-sequoia-base",
    ]
    made = [images.make_image(n, ["latest"], registry_host="h", origin="registry") for n in names]
    ordered = [image.name for image in images.sort_images(i for i in made if i is not None)]
    assert ordered == [
        "macos-tahoe-vanilla",
        "macos-tahoe-xcode",
        "macos-sequoia-base",
        "macos-sonoma-base",
        "macos-runner",
        "macos-zzz-base",
        "ubuntu",
        "debian",
    ]


def test_known_list_covers_current_releases_and_linux() -> None:
    names = {image.name for image in known.KNOWN_IMAGES}
    for release in ("tahoe", "sequoia", "sonoma", "ventura"):
        for kind in ("vanilla", "base", "xcode"):
            assert f"macos-{release}-{kind}" in names
    assert {"macos-runner", "ubuntu", "debian", "fedora"} <= names
