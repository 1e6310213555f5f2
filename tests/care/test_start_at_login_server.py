"""`GET /api/settings/start-at-login`: what Settings shows about the LaunchAgent, read
through the real server, and the commands it offers, run for real (with --dry-run)."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from taartenfabriek.care import launchagent
from taartenfabriek.core.settings import Settings

pytestmark = pytest.mark.integration


def test_status_follows_the_installed_agent(care_server: Any, tmp_path: Path) -> None:
    user = tmp_path / "user"
    server = care_server(env={"HOME": str(user)}).start()
    with server.client() as client:
        off = client.get("/api/settings/start-at-login").json()
        plist = user / "Library" / "LaunchAgents" / "nl.taartenfabriek.server.plist"
        assert off["installed"] is False and off["plist"] == str(plist)
        assert off["port"] is None and off["home"] is None and off["matches"] is None
        assert off["supported"] is (sys.platform == "darwin")
        assert off["started_at_login"] is False
        options = ["--port", str(server.port), "--home", str(server.home)]
        assert off["install_command"] == ["taartenfabriek", "service", "install", *options]
        assert off["open_command"] == ["taartenfabriek", "open", *options]
        assert off["uninstall_command"] == ["taartenfabriek", "service", "uninstall"]

        # the offered install command describes this very server
        shown = subprocess.run(
            [sys.executable, "-m", "taartenfabriek", *off["install_command"][1:], "--dry-run"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env={**server.env(), "HOME": str(user)},
        ).stdout
        xml = shown.split("\n", 1)[1].split("\n$ ", 1)[0]
        written = plistlib.loads(xml.encode())
        assert written["ProgramArguments"][-2:] == ["--port", str(server.port)]
        assert written["EnvironmentVariables"]["TARTVM_HOME"] == str(server.home)
        assert not plist.exists()  # a dry run writes nothing

        # an agent for another port, then for this server
        for port, matches in ((server.port + 1, False), (server.port, True)):
            plan = launchagent.install_plan(Settings(home=server.home, port=port), home=user)
            assert plan.contents is not None
            plist.parent.mkdir(parents=True, exist_ok=True)
            plist.write_bytes(plan.contents)
            answer = client.get("/api/settings/start-at-login")
            state = answer.json()
            assert state["installed"] is True and state["matches"] is matches
            assert state["port"] == port and state["home"] == str(server.home)
            assert server.token not in answer.text

    refused = httpx.get(f"{server.base_url}/api/settings/start-at-login", timeout=10)
    assert refused.status_code in (401, 403)


def test_a_server_started_by_launchd_knows(care_server: Any, tmp_path: Path) -> None:
    """launchd names the job in XPC_SERVICE_NAME of each process it starts."""
    server = care_server(
        env={"HOME": str(tmp_path / "user"), "XPC_SERVICE_NAME": launchagent.LABEL}
    ).start()
    with server.client() as client:
        assert client.get("/api/settings/start-at-login").json()["started_at_login"] is True
