"""Binding beyond loopback needs --allow-remote and an allow-list of host names, and says so
loudly; loopback binds need neither."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.server import ServerProcess, free_port

pytestmark = pytest.mark.integration


def _serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    server = ServerProcess(root=tmp_path, env_overrides=env or {})
    return subprocess.run(
        [sys.executable, "-m", "taartenfabriek", "serve", "--port", str(free_port()), *args],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--host", "0.0.0.0"),
        ("--host", "::"),
        ("--host", "192.0.2.10"),
        ("--host", "127.example.com"),  # looks like loopback, is a name anywhere
        ("--host", "my-mac.local"),
    ],
)
def test_non_loopback_bind_without_flag_is_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = _serve(tmp_path, *args)
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
    assert not (tmp_path / "state" / "token").exists() or "Open" not in result.stderr


def test_allow_remote_without_allowed_hosts_is_refused(tmp_path: Path) -> None:
    result = _serve(tmp_path, "--host", "0.0.0.0", "--allow-remote")
    assert result.returncode == 2
    assert "TARTVM_ALLOWED_HOSTS" in result.stderr


def test_env_host_is_checked_too(tmp_path: Path) -> None:
    result = _serve(tmp_path, env={"TARTVM_HOST": "0.0.0.0"})
    assert result.returncode == 2


def test_allow_remote_with_allowed_hosts_warns_and_checks_host(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(
        args=("--host", "0.0.0.0", "--allow-remote"),
        env_overrides={"TARTVM_ALLOWED_HOSTS": "my-mac.local, build-box:8000"},
    ).start()
    port = server.port
    with server.client() as client:
        for host in (f"my-mac.local:{port}", "build-box", f"127.0.0.1:{port}"):
            assert client.get("/api/health", headers={"Host": host}).status_code == 200, host
        for host in ("evil.com", f"my-mac.local.evil.com:{port}", "build-box.", "0.0.0.0"):
            assert client.get("/api/health", headers={"Host": host}).status_code in (400, 403)
        own = client.post(
            "/api/vms/refresh",
            headers={"Host": f"my-mac.local:{port}", "Origin": f"http://my-mac.local:{port}"},
        )
        assert own.status_code != 403
        cross = client.post(
            "/api/vms/refresh",
            headers={"Host": f"my-mac.local:{port}", "Origin": f"http://127.0.0.1:{port}"},
        )
        assert cross.status_code == 403
    server.stop()
    output = server.log_path.read_text()
    assert "WARNING" in output and "0.0.0.0" in output
    assert f"Open http://my-mac.local:{port}/?token=" in output  # a URL the Host check accepts


def test_other_loopback_address_serves_its_own_host(tmp_path: Path) -> None:
    """`--host 127.0.0.2` needs no flag, and `Host: 127.0.0.2:<port>` is then accepted."""
    server = ServerProcess(root=tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taartenfabriek",
            "serve",
            "--host",
            "127.0.0.2",
            "--port",
            str(port),
        ],
        env=server.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "the server on 127.0.0.2 exited"
            assert time.monotonic() < deadline, "the server on 127.0.0.2 did not answer"
            token_file = server.home / "token"
            if token_file.exists():
                headers = {"X-Local-Token": token_file.read_text().strip()}
                try:
                    response = httpx.get(
                        f"http://127.0.0.2:{port}/api/health", headers=headers, timeout=1
                    )
                    break
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(15)
