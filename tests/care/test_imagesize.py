"""Image sizes from registry manifests, looked up the way `tart pull` authenticates."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from taartenfabriek.care.imagesize import (
    TART_PULL_MARGIN,
    ImageSizes,
    SizeUnknown,
    size_from_manifest,
)
from taartenfabriek.core.names import parse_remote
from tests.care.fake_registry import running_registry

GB = 1_000_000_000
DIGEST = "sha256:" + "a" * 64


def manifest(disk: int | None, layers: list[int]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemaVersion": 2,
        "layers": [{"size": size, "annotations": {}} for size in layers],
    }
    if disk is not None:
        body["annotations"] = {"org.cirruslabs.tart.uncompressed-disk-size": str(disk)}
    return body


def known(namespace: str, reference: str) -> tuple[dict[str, Any], str] | None:
    if namespace == "cirruslabs/macos-big":
        return manifest(50 * GB, [10 * GB, 12 * GB]), DIGEST
    if namespace == "cirruslabs/index":
        return {"schemaVersion": 2, "manifests": []}, DIGEST
    return None


def name(text: str) -> Any:
    parsed = parse_remote(text)
    assert parsed is not None
    return parsed


def test_manifest_figures() -> None:
    size = size_from_manifest("x", DIGEST, manifest(50 * GB, [1, 2]))
    assert (size.disk_bytes, size.download_bytes) == (50 * GB, 3)
    assert size.needed_bytes == 50 * GB + TART_PULL_MARGIN
    layers = manifest(None, [5, 5])
    for layer in layers["layers"]:
        layer["annotations"]["org.cirruslabs.tart.uncompressed-size"] = "100"
    assert size_from_manifest("x", None, layers).disk_bytes == 200
    assert size_from_manifest("x", None, manifest(None, [7])).needed_bytes == 7
    with pytest.raises(SizeUnknown):
        size_from_manifest("x", None, {"manifests": []})


def test_lookup_follows_the_token_challenge_and_caches() -> None:
    with running_registry(known) as registry:
        sizes = ImageSizes(registry.url, timeout=5)
        image = name("ghcr.io/cirruslabs/macos-big:latest")
        size = asyncio.run(sizes.lookup(image))
        assert size.digest == DIGEST and size.disk_bytes == 50 * GB
        assert size.download_bytes == 22 * GB
        assert [p.split("?")[0] for p in registry.requests] == [
            "/v2/cirruslabs/macos-big/manifests/latest",
            "/token",
            "/v2/cirruslabs/macos-big/manifests/latest",
        ]
        asyncio.run(sizes.lookup(image))
        assert len(registry.requests) == 3  # remembered
        for unknown in ("ghcr.io/cirruslabs/nothing:1", "ghcr.io/cirruslabs/index:1"):
            with pytest.raises(SizeUnknown):
                asyncio.run(sizes.lookup(name(unknown)))


def test_an_unreachable_registry_is_not_asked_again_for_a_while() -> None:
    with running_registry(known) as registry:
        url = registry.url
    sizes = ImageSizes(url, timeout=2)  # the registry has gone: connection refused
    with pytest.raises(SizeUnknown, match="unreachable"):
        asyncio.run(sizes.lookup(name("ghcr.io/cirruslabs/macos-big:latest")))
    with pytest.raises(SizeUnknown, match="a moment ago"):
        asyncio.run(sizes.lookup(name("ghcr.io/cirruslabs/other:latest")))


def test_other_registries_are_asked_over_https() -> None:
    sizes = ImageSizes("http://fake", timeout=1)
    assert sizes.base_url(name("ghcr.io/a/b:1")) == "http://fake"
    assert sizes.base_url(name("registry.example.com:5000/a/b:1")) == (
        "https://registry.example.com:5000"
    )
