"""GET /api/vms/available-images through the real server, against the fake GitHub + ghcr.io."""

from __future__ import annotations

from typing import Any

import pytest

from taartenfabriek.core.models import VMImage
from tests.catalog.conftest import GOOD_TOKEN
from tests.fakes.ghcr_github import FakeServer, FakeState, free_port
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def start(server_factory: Any, url: str, **env: str) -> ServerProcess:
    overrides = {"TARTVM_GITHUB_API_URL": url, "TARTVM_REGISTRY_URL": url, **env}
    server: ServerProcess = server_factory(env_overrides=overrides).start()
    return server


def available(server: ServerProcess, **params: str) -> Any:
    with server.client() as client:
        return client.get("/api/vms/available-images", params=params)


def test_first_run_without_token_lists_known_images(
    server_factory: Any, fake: FakeServer, fake_state: FakeState
) -> None:
    server = start(server_factory, fake.url)
    response = available(server)
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and body
    for item in body:
        VMImage.model_validate(item)
        assert set(item) >= {"name", "url", "description", "tags", "updated_at"}
        assert item["origin"] == "registry" and item["stale"] is False
        assert item["description"]
    names = [item["name"] for item in body]
    assert names[0] == "macos-tahoe-vanilla" and "ubuntu" in names
    assert fake_state.count("/orgs") == 0


def test_with_token_from_settings_lists_github_packages(
    server_factory: Any, fake: FakeServer, fake_state: FakeState
) -> None:
    server = start(server_factory, fake.url)
    with server.client() as client:
        saved = client.post("/api/settings/github-token", json={"token": GOOD_TOKEN})
        assert saved.status_code == 200 and saved.json()["configured"] is True
    body = available(server).json()
    assert {item["origin"] for item in body} == {"github"}
    assert "macos-monterey-base" in {item["name"] for item in body}
    assert all(item["updated_at"] for item in body)
    # Only the GitHub API routes were asked, each with the token; the registry saw nothing.
    assert all(r.path.startswith("/orgs/") for r in fake_state.requests)
    assert all(r.authorization == f"Bearer {GOOD_TOKEN}" for r in fake_state.requests)
    calls = fake_state.count("/orgs")
    assert available(server).status_code == 200
    assert fake_state.count("/orgs") == calls  # cached
    assert available(server, force_refresh="true").status_code == 200
    assert fake_state.count("/orgs") == 2 * calls


def test_bad_token_is_502_never_401_or_403(server_factory: Any, fake: FakeServer) -> None:
    server = start(server_factory, fake.url, TARTVM_GITHUB_TOKEN="ghp_not_a_real_token_0000")
    response = available(server)
    assert response.status_code == 502
    assert "invalid, expired or revoked" in response.json()["detail"]
    assert "ghp_not_a_real" not in response.text


def test_rate_limit_is_503_with_reset_time(
    server_factory: Any, fake: FakeServer, fake_state: FakeState
) -> None:
    fake_state.rate_limited = True
    server = start(server_factory, fake.url, TARTVM_GITHUB_TOKEN=GOOD_TOKEN)
    response = available(server)
    assert response.status_code == 503
    assert "resets at 2030-03-17T17:46:40Z" in response.json()["detail"]


def test_no_network_no_cache_is_503_with_a_token(server_factory: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    server = start(server_factory, url, TARTVM_GITHUB_TOKEN=GOOD_TOKEN)
    response = available(server)
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]


def test_no_network_no_cache_no_token_shows_the_builtin_list(server_factory: Any) -> None:
    server = start(server_factory, f"http://127.0.0.1:{free_port()}")
    response = available(server)
    assert response.status_code == 200
    body = response.json()
    assert {item["origin"] for item in body} == {"builtin"}
    assert all(item["stale"] is True and "unreachable" in item["stale_reason"] for item in body)
    # In words (issue 19.8): no errno, no exception text.
    assert not any("Errno" in item["stale_reason"] for item in body)
    assert "this Mac may be offline" in body[0]["stale_reason"]
    assert "macos-sequoia-xcode" in {item["name"] for item in body}


def test_restart_with_the_fake_down_serves_the_stale_catalog(
    server_factory: Any, fake: FakeServer, tmp_path: Any
) -> None:
    root = tmp_path / "shared-root"
    env = {
        "TARTVM_GITHUB_API_URL": fake.url,
        "TARTVM_REGISTRY_URL": fake.url,
        "TARTVM_GITHUB_TOKEN": GOOD_TOKEN,
        "TARTVM_CATALOG_TTL": "0",
    }
    first = server_factory(root=root, env_overrides=env).start()
    fresh = available(first).json()
    assert fresh and all(item["stale"] is False for item in fresh)
    first.stop()
    fake.stop()
    second = server_factory(root=root, env_overrides=env).start()
    response = available(second)
    assert response.status_code == 200
    stale = response.json()
    assert [item["name"] for item in stale] == [item["name"] for item in fresh]
    assert all(item["stale"] is True for item in stale)
    assert "unreachable" in stale[0]["stale_reason"]
    assert stale[0]["fetched_at"] == fresh[0]["fetched_at"]


def test_the_demo_lists_the_simulators_registry_without_any_network(
    server_factory: Any, tmp_path: Any
) -> None:
    """`--demo`: the catalog is what tart-sim's registry serves (its built-in images and the
    ones listed in TART_SIM_REGISTRY); GitHub and the registry are never asked."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    extra = tmp_path / "registry.txt"
    extra.write_text("ghcr.io/acme/builder:2.1 linux 30\n# a comment\n")
    server = server_factory(
        args=("--demo",),
        env_overrides={
            "TARTVM_GITHUB_API_URL": url,
            "TARTVM_REGISTRY_URL": url,
            "TARTVM_GITHUB_TOKEN": GOOD_TOKEN,
            "TART_SIM_REGISTRY": str(extra),
        },
    ).start()
    try:
        response = available(server, force_refresh="true")
        assert response.status_code == 200
        body = response.json()
        assert {item["origin"] for item in body} == {"simulator"}
        assert not any(item["stale"] for item in body)
        names = {item["url"] for item in body}
        assert "ghcr.io/acme/builder:2.1" in names
        assert any(url.startswith("ghcr.io/cirruslabs/macos-sequoia-base:") for url in names)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody knocked: no request left for GitHub or a registry
    finally:
        listener.close()
