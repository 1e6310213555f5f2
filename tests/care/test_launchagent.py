"""The LaunchAgent plist and the commands install/uninstall/status would run."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taartenfabriek.care import launchagent
from taartenfabriek.cli import app
from taartenfabriek.core.settings import Settings


def test_plist_runs_the_server_at_login(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "state",
        port=8123,
        tart_path="/opt/homebrew/bin/tart",
        github_token="ghp_secret_never_in_plist_0123456789",
        orchard_token="orchard-secret",
    )
    plan = launchagent.install_plan(settings, home=tmp_path)
    assert plan.plist == tmp_path / "Library/LaunchAgents/nl.taartenfabriek.server.plist"
    assert plan.contents is not None
    data = plistlib.loads(plan.contents)
    assert data["Label"] == "nl.taartenfabriek.server"
    assert data["ProgramArguments"] == [
        sys.executable,
        "-m",
        "taartenfabriek",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "8123",
    ]
    assert data["RunAtLoad"] is True and data["KeepAlive"] == {"SuccessfulExit": False}
    env = data["EnvironmentVariables"]
    assert env["TARTVM_HOME"] == str(tmp_path / "state")
    assert env["TARTVM_TART_PATH"] == "/opt/homebrew/bin/tart"
    assert env["PATH"].startswith("/opt/homebrew/bin:")
    assert data["StandardOutPath"] == str(tmp_path / "state/logs/server.log")
    assert b"secret" not in plan.contents  # tokens stay in the state folder
    uid = __import__("os").getuid()
    assert plan.commands == [
        ["launchctl", "bootout", f"gui/{uid}/nl.taartenfabriek.server"],
        ["launchctl", "bootstrap", f"gui/{uid}", str(plan.plist)],
        ["launchctl", "enable", f"gui/{uid}/nl.taartenfabriek.server"],
    ]
    assert plan.folders == [tmp_path / "state", tmp_path / "state/logs"]


def test_remote_binding_is_carried_over(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, host="10.0.0.5", allow_remote=True, allowed_hosts=("mac.local",)
    )
    data = launchagent.build_plist(settings, python="/usr/bin/python3")
    assert data["ProgramArguments"][0] == "/usr/bin/python3"
    assert "--allow-remote" in data["ProgramArguments"]
    assert data["EnvironmentVariables"]["TARTVM_ALLOWED_HOSTS"] == "mac.local"


def test_uninstall_and_status_plans(tmp_path: Path) -> None:
    uninstall = launchagent.uninstall_plan(home=tmp_path)
    assert uninstall.remove and uninstall.contents is None
    assert uninstall.commands[0][:2] == ["launchctl", "bootout"]
    status = launchagent.status_plan(home=tmp_path)
    assert status.commands[0][:2] == ["launchctl", "print"]
    assert launchagent.read_installed(tmp_path) is None
    status.plist.parent.mkdir(parents=True)
    status.plist.write_bytes(plistlib.dumps({"Label": launchagent.LABEL}))
    assert launchagent.read_installed(tmp_path) == {"Label": launchagent.LABEL}


def test_cli_dry_run_prints_plist_and_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(
        app, ["service", "install", "--dry-run", "--home", str(tmp_path / "s"), "--port", "9001"]
    )
    assert result.exit_code == 0, result.output
    plist_text = result.stdout.split("\n", 1)[1].split("$ ", 1)[0]
    assert plistlib.loads(plist_text.encode())["ProgramArguments"][-1] == "9001"
    assert "$ launchctl bootstrap gui/" in result.stdout
    assert not (tmp_path / "Library").exists()  # a dry run writes nothing
    result = CliRunner().invoke(app, ["service", "uninstall", "--dry-run"])
    assert result.exit_code == 0 and "$ launchctl bootout" in result.stdout


@pytest.mark.skipif(sys.platform == "darwin", reason="checks the refusal off macOS")
def test_cli_refuses_launchctl_off_macos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    calls: list[object] = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    result = CliRunner().invoke(app, ["service", "install", "--home", str(tmp_path / "s")])
    assert result.exit_code == 2 and "macOS only" in result.output
    assert calls == [] and not (tmp_path / "Library").exists()
    result = CliRunner().invoke(app, ["service", "status"])
    assert result.exit_code == 1 and "not installed" in result.stdout
