"""The token and the other secrets through the real server: never in a request log line,
never in a response, rotation that takes effect in the running server within a second, and
the files they live in."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.security.conftest import ws_close_code
from tests.server import ServerProcess

pytestmark = pytest.mark.integration

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def _cli(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taartenfabriek", *args],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )


def _mode(path: os.PathLike[str] | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_no_secret_in_the_server_output(server_factory, fake_github: str) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(
        env_overrides={"TARTVM_GITHUB_API_URL": fake_github, "TARTVM_REGISTRY_URL": fake_github}
    ).start()
    token = server.token
    with server.client() as client:
        task = client.post("/api/vms/pull", json={"oci_url": "ghcr.io/example/image:1.0"}).json()
        assert httpx.get(f"{server.base_url}/?token={token}").status_code == 200
        assert httpx.get(f"{server.base_url}/api/health?token={token}").status_code == 403
        with connect(f"{server.ws_url}/ws/tasks/{task['id']}?token={token}", proxy=None) as ws:
            ws.recv(timeout=10)
        assert ws_close_code(f"{server.ws_url}/ws/tasks/{task['id']}?token=wrong") == 1008
        with pytest.raises(InvalidStatus):
            connect(
                f"{server.ws_url}/ws/tasks/{task['id']}?token={token}",
                origin="http://evil.com",  # type: ignore[arg-type]
                proxy=None,
            )
        set_token = client.post("/api/settings/github-token", json={"token": GITHUB_TOKEN})
        assert set_token.status_code == 200
        images = client.get("/api/vms/available-images")
        assert images.status_code == 200, (images.text, server.log_path.read_text()[-3000:])
        shown = client.get("/api/settings/github-token").json()
        bad = client.post("/api/settings/github-token", json={"token": GITHUB_TOKEN + " x"})
        assert bad.status_code == 422
        assert GITHUB_TOKEN not in bad.text
        httpx.get(
            f"{server.base_url}/api/health",
            headers={"Authorization": f"Bearer {GITHUB_TOKEN}", "X-Local-Token": token},
        )
    server.stop()
    output = server.log_path.read_text()

    assert shown["configured"] is True
    assert GITHUB_TOKEN not in set_token.text and GITHUB_TOKEN not in str(shown)
    masked = shown["masked_token"]
    assert masked.startswith(GITHUB_TOKEN[:4]) and masked.endswith(GITHUB_TOKEN[-4:])
    assert len(masked.replace(".", "").replace("*", "")) <= 8

    assert GITHUB_TOKEN not in output
    lines_with_token = [line for line in output.splitlines() if token in line]
    assert len(lines_with_token) == 1, lines_with_token
    assert lines_with_token[0].startswith("Open ") and f"/?token={token}" in lines_with_token[0]
    assert "GET /?token=[redacted] HTTP/1.1" in output
    assert f'/ws/tasks/{task["id"]}?token=[redacted]" [accepted]' in output
    assert '?token=[redacted]" 403' in output  # the refused cross-origin handshake
    assert "token=wrong" not in output  # wrong tokens are treated as secrets too

    state = server.home
    assert _mode(state) == 0o700
    assert _mode(state / "token") == 0o600
    assert _mode(state / "github-token") == 0o600


def test_rotation_invalidates_the_old_token_within_a_second(server: ServerProcess) -> None:
    old = server.token
    assert _cli(server, "token").stdout.strip() == old
    with server.client() as client:
        assert client.get("/api/health").status_code == 200

    started = time.monotonic()
    new = _cli(server, "token", "--rotate").stdout.strip()
    rotated = time.monotonic()
    assert new and new != old
    assert (server.home / "token").read_text().strip() == new
    assert _mode(server.home / "token") == 0o600

    while True:
        old_status = httpx.get(f"{server.base_url}/api/health", headers={"X-Local-Token": old})
        if old_status.status_code == 403:
            break
        assert time.monotonic() - rotated < 1.0, "the old token still works after 1 s"
        time.sleep(0.02)
    refused_after = time.monotonic() - rotated
    new_status = httpx.get(f"{server.base_url}/api/health", headers={"X-Local-Token": new})
    assert new_status.status_code == 200
    assert refused_after < 1.0, (refused_after, rotated - started)

    task = httpx.post(
        f"{server.base_url}/api/vms/pull",
        json={"oci_url": "ghcr.io/example/image:1.0"},
        headers={"X-Local-Token": new},
    ).json()
    assert ws_close_code(f"{server.ws_url}/ws/tasks/{task['id']}?token={old}") == 1008
    with connect(f"{server.ws_url}/ws/tasks/{task['id']}?token={new}", proxy=None) as ws:
        assert task["id"] in ws.recv(timeout=10)

    server.stop()
    assert new not in server.log_path.read_text()


def test_modes_are_repaired_at_start(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory()
    state = server.home
    state.mkdir(parents=True)
    (state / "token").write_text("a-token-the-user-wrote-themselves-0123456789\n")
    (state / "github-token").write_text(GITHUB_TOKEN + "\n")
    os.chmod(state / "token", 0o644)
    os.chmod(state / "github-token", 0o666)
    os.chmod(state, 0o755)
    server.start()
    assert server.token == "a-token-the-user-wrote-themselves-0123456789"
    assert _mode(state) == 0o700
    assert _mode(state / "token") == 0o600
    assert _mode(state / "github-token") == 0o600
    with server.client() as client:
        shown = client.get("/api/settings/github-token").json()
    assert shown["configured"] is True and GITHUB_TOKEN not in str(shown)


def test_first_start_makes_private_files(server: ServerProcess) -> None:
    assert _mode(server.home) == 0o700
    assert _mode(server.home / "token") == 0o600
    assert len(server.token) >= 43  # 32 random bytes, URL-safe base64
