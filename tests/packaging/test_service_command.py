"""`taartenfabriek service install` makes the LaunchAgent run the installed command, reached
through the link its installer put on PATH, and not a checkout's .venv when an installed
command exists. The layouts are real files laid out as uv tool, Homebrew and a checkout leave
them."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

from typer.testing import CliRunner

from taartenfabriek.care import launchagent
from taartenfabriek.cli import app
from taartenfabriek.core.settings import Settings
from tests.packaging.helpers import ROOT


def script(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def link(path: Path, target: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


def test_uv_tool_install_runs_the_link_in_local_bin(tmp_path: Path) -> None:
    tool = tmp_path / "share/uv/tools/taartenfabriek"
    own = script(tool / "bin/taartenfabriek")
    on_path = link(tmp_path / "bin/taartenfabriek", own)
    command = launchagent.server_command(
        argv0=str(on_path), prefix=str(tool), checkout="", search=[str(on_path)]
    )
    assert command == launchagent.ServerCommand((str(on_path),))


def test_homebrew_runs_the_bin_link_that_survives_upgrades(tmp_path: Path) -> None:
    """Run as `python -m taartenfabriek` by Homebrew's own Python: the script beside it is in
    the versioned Cellar, the link in bin/ is what stays."""
    libexec = tmp_path / "Cellar/taartenfabriek/0.1.0/libexec"
    own = script(libexec / "bin/taartenfabriek")
    brew_bin = link(tmp_path / "bin/taartenfabriek", own)
    elsewhere = script(tmp_path / "other/taartenfabriek")
    command = launchagent.server_command(
        argv0=str(libexec / "lib/taartenfabriek/__main__.py"),
        prefix=str(libexec),
        checkout="",
        search=[str(elsewhere), str(brew_bin)],
    )
    assert command.argv == (str(brew_bin),) and command.note is None


def test_a_checkout_defers_to_an_installed_command(tmp_path: Path) -> None:
    venv = tmp_path / "checkout/.venv"
    own = script(venv / "bin/taartenfabriek")
    installed = link(tmp_path / "bin/taartenfabriek", script(tmp_path / "tool/bin/taartenfabriek"))
    command = launchagent.server_command(
        argv0=str(own),
        prefix=str(venv),
        checkout=str(tmp_path / "checkout"),
        search=[str(own), str(installed)],
    )
    assert command.argv == (str(installed),)
    assert command.note is not None and "not the checkout at" in command.note


def test_a_checkout_alone_runs_itself_and_says_what_that_costs(tmp_path: Path) -> None:
    venv = tmp_path / "checkout/.venv"
    own = script(venv / "bin/taartenfabriek")
    command = launchagent.server_command(
        argv0=str(own), prefix=str(venv), checkout=str(tmp_path / "checkout"), search=[str(own)]
    )
    assert command.argv == (str(own),)
    assert command.note is not None and "uv tool install" in command.note


def test_uvx_runs_from_a_cache_so_an_installed_command_is_preferred(tmp_path: Path) -> None:
    cached = tmp_path / ".cache/uv/archive-v0/Xy12/"
    own = script(cached / "bin/taartenfabriek")
    alone = launchagent.server_command(
        argv0=str(own), prefix=str(cached), checkout="", search=[str(own)]
    )
    assert alone.argv == (str(own),) and alone.note and "uvx's cache" in alone.note
    installed = script(tmp_path / "bin/taartenfabriek")
    command = launchagent.server_command(
        argv0=str(own), prefix=str(cached), checkout="", search=[str(own), str(installed)]
    )
    assert command.argv == (str(installed),)


def test_without_any_command_it_falls_back_to_python_m(tmp_path: Path) -> None:
    command = launchagent.server_command(argv0="-c", prefix=str(tmp_path), checkout="", search=[])
    assert command.argv[1:] == ("-m", "taartenfabriek") and command.note


def test_this_development_environment_is_seen_as_a_checkout() -> None:
    """`uv sync` installs the project editable: its PEP 610 record names this tree."""
    found = launchagent._editable_checkout()
    assert found is not None and os.path.samefile(found, ROOT)


def test_the_plist_and_the_dry_run_name_the_command(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOME", str(tmp_path))
    own = script(tmp_path / "bin/taartenfabriek")
    command = launchagent.ServerCommand((str(own),), "a note for the user")
    plan = launchagent.install_plan(Settings(home=tmp_path / "s"), command=command)
    assert plan.contents is not None
    assert plistlib.loads(plan.contents)["ProgramArguments"][:2] == [str(own), "serve"]
    assert plan.notes[-1] == "a note for the user"
    result = CliRunner().invoke(app, ["service", "install", "--dry-run", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # run by pytest in the editable checkout: the note says which command the agent runs
    assert "note: runs " in result.output
