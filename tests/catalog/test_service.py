"""The catalog service in-process, against the fake GitHub + ghcr.io over real loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from taartenfabriek.catalog import Catalog, GitHubTokenStore, known
from taartenfabriek.catalog import images as images_module
from taartenfabriek.core.errors import BackendUnavailable
from taartenfabriek.core.models import VMImage
from tests.catalog.conftest import GOOD_TOKEN, NO_SCOPE_TOKEN
from tests.fakes.ghcr_github import FakeServer, FakeState, free_port, scaled_state

T = TypeVar("T")

TART_IMAGES = {image.name for image in known.KNOWN_IMAGES} | {"macos-monterey-base"}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def make_catalog(tmp_path: Path, url: str, token: str | None = None, **kwargs: Any) -> Catalog:
    tokens = GitHubTokenStore(tmp_path / "github-token", token)
    kwargs.setdefault("github_api_url", url)
    kwargs.setdefault("registry_url", url)
    kwargs.setdefault("cache_path", tmp_path / "catalog.json")
    return Catalog(tokens, **kwargs)


def by_name(images: list[VMImage]) -> dict[str, dict[str, Any]]:
    return {image.name: image.model_dump() for image in images}


def fetch_error(catalog: Catalog, **kwargs: Any) -> BackendUnavailable:
    with pytest.raises(BackendUnavailable) as caught:
        run(catalog.images(**kwargs))
    return caught.value


# -- with a GitHub token -------------------------------------------------------------------


def test_github_lists_tart_images_with_ordered_tags(tmp_path: Path, fake: FakeServer) -> None:
    images = run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images())
    found = by_name(images)
    assert set(found) == TART_IMAGES  # flutter and cirrus-ci-agent are not Tart images
    xcode = found["macos-sequoia-xcode"]
    assert xcode["tags"] == [
        "latest",
        "16",
        "16.10",
        "16.3",
        "16.3-beta-2",
        "16.3-beta-1",
        "16.2",
        "16.1",
    ]
    host = fake.url.removeprefix("http://")
    assert xcode["url"] == f"{host}/cirruslabs/macos-sequoia-xcode:latest"
    assert xcode["description"] == "macOS Sequoia (15), with Xcode (tags are Xcode versions)"
    assert xcode["updated_at"] == "2025-01-02T03:04:05Z"
    assert xcode["origin"] == "github" and xcode["stale"] is False
    assert found["macos-runner"]["url"].endswith(":tahoe")
    assert found["macos-monterey-base"]["description"].startswith("macOS Monterey (12)")
    assert [image.name for image in images][:3] == [
        "macos-tahoe-vanilla",
        "macos-tahoe-base",
        "macos-tahoe-xcode",
    ]


def test_github_token_goes_to_the_api_only(tmp_path: Path, fake: FakeServer) -> None:
    run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images())
    requests = fake.state.requests
    assert requests and all(r.path.startswith("/orgs/cirruslabs/packages") for r in requests)
    assert all(r.authorization == f"Bearer {GOOD_TOKEN}" for r in requests)
    assert fake.state.requests[0].query == {"package_type": "container", "per_page": "100"}


def test_github_pagination_is_followed(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.github_max_per_page = 2
    images = run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images())
    assert set(by_name(images)) == TART_IMAGES
    pages = [r for r in fake_state.requests if r.path == "/orgs/cirruslabs/packages"]
    assert len(pages) == (len(fake_state.packages) + 1) // 2
    assert by_name(images)["macos-sequoia-xcode"]["tags"][:2] == ["latest", "16"]


def test_github_next_link_to_another_host_is_not_followed(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.github_max_per_page = 5
    fake_state.link_host = "localhost"  # same server, but another origin: no token for it
    images = run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images())
    assert 0 < len(images) <= 5
    assert {r.host.split(":")[0] for r in fake_state.requests} == {"127.0.0.1"}


def test_github_package_without_readable_versions_keeps_its_known_tags(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.vanished.update({"macos-sonoma-base", "macos-runner"})
    found = by_name(run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images()))
    assert set(found) == TART_IMAGES
    assert found["macos-sonoma-base"]["tags"] == ["latest"]
    assert found["macos-sonoma-base"]["url"].endswith("/cirruslabs/macos-sonoma-base:latest")
    assert found["macos-runner"]["tags"] == ["tahoe", "sequoia", "sonoma"]


def test_github_bad_token_is_502_with_advice(tmp_path: Path, fake: FakeServer) -> None:
    error = fetch_error(make_catalog(tmp_path, fake.url, "ghp_wrong_token_abcdefgh"))
    assert error.status_code == 502
    assert "invalid, expired or revoked" in error.detail
    assert "Bad credentials" in error.detail
    assert "ghp_wrong" not in error.detail


def test_github_missing_scope_says_read_packages(tmp_path: Path, fake: FakeServer) -> None:
    error = fetch_error(make_catalog(tmp_path, fake.url, NO_SCOPE_TOKEN))
    assert error.status_code == 502
    assert "read:packages" in error.detail
    assert "repo, workflow" in error.detail


def test_github_rate_limit_says_when_it_resets(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.rate_limited = True
    reset = datetime.fromtimestamp(fake_state.rate_limit_reset, UTC)
    error = fetch_error(make_catalog(tmp_path, fake.url, GOOD_TOKEN))
    assert error.status_code == 503
    assert "rate limit" in error.detail
    assert reset.strftime("%Y-%m-%dT%H:%M:%SZ") in error.detail


# -- without a token: the registry ---------------------------------------------------------


def test_registry_lists_known_images_anonymously(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    images = run(make_catalog(tmp_path, fake.url).images())
    found = by_name(images)
    assert set(found) == {image.name for image in known.KNOWN_IMAGES}
    base = found["macos-tahoe-base"]
    assert base["tags"] == ["latest", "26.3", "26.2", "26.1", "26.0"]  # signature tag dropped
    assert base["origin"] == "registry" and base["updated_at"] is None
    assert base["description"].startswith("macOS Tahoe (26)")
    assert found["fedora"]["tags"] == ["latest", "41", "40"]
    assert fake_state.count("/orgs") == 0
    tags = [r for r in fake_state.requests if r.path.startswith("/v2/")]
    assert tags and all((r.authorization or "").startswith("Bearer anon-") for r in tags)
    assert all(r.authorization is None for r in fake_state.requests if r.path == "/token")
    assert fake_state.max_in_flight <= 8


def test_registry_pagination_is_followed(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.registry_max_n = 2
    found = by_name(run(make_catalog(tmp_path, fake.url).images()))
    assert found["macos-tahoe-base"]["tags"] == ["latest", "26.3", "26.2", "26.1", "26.0"]
    pages = [
        r for r in fake_state.requests if r.path == "/v2/cirruslabs/macos-tahoe-base/tags/list"
    ]
    assert len(pages) == 3  # 5 tags + 1 signature, 2 per page
    assert pages[1].query["last"] == "26.1"


def test_registry_challenge_is_followed(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.realm_path = "/auth/token"
    fake_state.service = "fake-registry"
    found = by_name(run(make_catalog(tmp_path, fake.url).images()))
    assert set(found) == {image.name for image in known.KNOWN_IMAGES}
    tokens = [r for r in fake_state.requests if r.path == "/auth/token"]
    assert tokens and all(r.query["service"] == "fake-registry" for r in tokens)


def test_registry_skips_missing_and_private_repositories(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.private.add("debian")
    catalog = make_catalog(tmp_path, fake.url, known_names=["ubuntu", "debian", "macos-nope"])
    assert [image.name for image in run(catalog.images())] == ["ubuntu"]


def builtin_reason(images: list[VMImage]) -> str:
    """The built-in list's stale reason, after checking it is the built-in list."""
    assert [image.name for image in images] == [
        image.name for image in images_module.builtin_images("x")
    ]
    dumped = [image.model_dump() for image in images]
    assert all(item["origin"] == "builtin" and item["stale"] is True for item in dumped)
    assert all(item["fetched_at"] is None for item in dumped)
    reason = dumped[0]["stale_reason"]
    assert isinstance(reason, str)
    return reason


def test_registry_refusing_everything_gives_the_builtin_list(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.private.update({"ubuntu", "debian"})
    catalog = make_catalog(tmp_path, fake.url, known_names=["ubuntu", "debian"])
    images = run(catalog.images())
    assert "refused anonymous access" in builtin_reason(images)
    assert by_name(images)["macos-runner"]["tags"] == ["tahoe", "sequoia", "sonoma"]
    assert by_name(images)["ubuntu"]["url"] == f"{fake.url[7:]}/cirruslabs/ubuntu:latest"
    assert not (tmp_path / "catalog.json").exists()  # never cached as if it were fetched


def test_registry_without_any_known_repository_gives_the_builtin_list(
    tmp_path: Path, fake: FakeServer
) -> None:
    catalog = make_catalog(tmp_path, fake.url, known_names=["macos-nope", "linux-nope"])
    assert "has none of the cirruslabs images" in builtin_reason(run(catalog.images()))


def test_registry_rate_limit(tmp_path: Path, fake: FakeServer, fake_state: FakeState) -> None:
    fake_state.registry_rate_limited = True
    reason = builtin_reason(run(make_catalog(tmp_path, fake.url).images()))
    assert "rate limit" in reason and "resets at" in reason


# -- network trouble -----------------------------------------------------------------------


def test_unreachable_is_503(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    error = fetch_error(make_catalog(tmp_path, url, GOOD_TOKEN))
    assert error.status_code == 503 and "unreachable" in error.detail
    reason = builtin_reason(run(make_catalog(tmp_path / "anon", url).images()))
    assert "unreachable" in reason


def test_slow_answer_is_a_504_timeout(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.delay = 2
    started = time.monotonic()
    error = fetch_error(make_catalog(tmp_path, fake.url, GOOD_TOKEN, timeout=0.3))
    assert error.status_code == 504 and "did not answer in time" in error.detail
    assert time.monotonic() - started < 1.5


def test_whole_fetch_deadline_is_a_504(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.delay = 0.2
    fake_state.delay_prefix = "/orgs/cirruslabs/packages/"
    catalog = make_catalog(tmp_path, fake.url, GOOD_TOKEN, deadline=0.5, concurrency=1)
    error = fetch_error(catalog)
    assert error.status_code == 504 and "took longer than 0.5 s" in error.detail


# -- caching -------------------------------------------------------------------------------


def test_cache_serves_within_ttl_and_force_refresh_bypasses(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    catalog = make_catalog(tmp_path, fake.url, GOOD_TOKEN)

    async def scenario() -> tuple[int, int, int]:
        await catalog.images()
        first = len(fake_state.requests)
        await catalog.images()
        second = len(fake_state.requests)
        await catalog.images(force_refresh=True)
        return first, second, len(fake_state.requests)

    first, second, third = run(scenario())
    assert first > 0 and second == first and third == 2 * first


def test_concurrent_requests_share_one_fetch(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.delay = 0.2
    catalog = make_catalog(tmp_path, fake.url, GOOD_TOKEN)

    async def scenario() -> list[list[VMImage]]:
        return await asyncio.gather(*(catalog.images() for _ in range(10)))

    results = run(scenario())
    assert all(result == results[0] for result in results)
    assert len([r for r in fake_state.requests if r.path == "/orgs/cirruslabs/packages"]) == 1
    assert fake_state.max_in_flight <= 8


def test_a_new_token_means_a_new_fetch(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    catalog = make_catalog(tmp_path, fake.url)
    assert run(catalog.images())[0].model_dump()["origin"] == "registry"
    catalog.tokens.set(GOOD_TOKEN)
    images = run(catalog.images())
    assert images[0].model_dump()["origin"] == "github"
    assert "macos-monterey-base" in by_name(images)


def test_disk_cache_survives_a_restart_and_goes_stale_offline(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    first = run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images())
    cache = tmp_path / "catalog.json"
    assert cache.exists() and GOOD_TOKEN not in cache.read_text()
    fake.stop()
    # A restart within the TTL: served from disk, no network needed, not stale.
    again = run(make_catalog(tmp_path, fake.url, GOOD_TOKEN).images())
    assert [i.name for i in again] == [i.name for i in first]
    assert all(image.model_dump()["stale"] is False for image in again)
    # Past the TTL with the network gone: the last known catalog, marked stale.
    stale = run(make_catalog(tmp_path, fake.url, GOOD_TOKEN, ttl=0).images())
    assert [i.tags for i in stale] == [i.tags for i in first]
    dumped = stale[0].model_dump()
    assert dumped["stale"] is True and "unreachable" in dumped["stale_reason"]
    assert dumped["origin"] == "github"
    assert dumped["fetched_at"] == first[0].model_dump()["fetched_at"]


def test_failed_refresh_serves_the_stale_catalog(
    tmp_path: Path, fake: FakeServer, fake_state: FakeState
) -> None:
    catalog = make_catalog(tmp_path, fake.url, GOOD_TOKEN)

    async def scenario() -> list[VMImage]:
        await catalog.images()
        fake_state.rate_limited = True
        return await catalog.images(force_refresh=True)

    images = run(scenario())
    dumped = images[0].model_dump()
    assert dumped["stale"] is True and "rate limit" in dumped["stale_reason"]


def test_corrupt_cache_file_is_ignored(tmp_path: Path, fake: FakeServer) -> None:
    (tmp_path / "catalog.json").write_text("{not json")
    images = run(make_catalog(tmp_path, fake.url).images())
    assert images and images[0].model_dump()["stale"] is False


def test_fetches_run_eight_at_a_time(tmp_path: Path) -> None:
    state = scaled_state(60, 5, GOOD_TOKEN)
    state.delay = 0.05
    server = FakeServer(state).start()
    try:
        started = time.monotonic()
        images = run(make_catalog(tmp_path, server.url, GOOD_TOKEN).images())
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert len(images) == 60 and images[0].tags[0] == "latest"
    assert state.max_in_flight == 8
    assert elapsed < 61 * 0.05 / 2  # one at a time would take 61 x 50 ms
