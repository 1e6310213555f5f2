"""Start the server at login: a per-user LaunchAgent written with plistlib, loaded by launchctl.

launchd starts agents with a bare environment (PATH=/usr/bin:/bin:/usr/sbin:/sbin), so the
plist names the absolute `tart` and Python paths and a PATH that includes Homebrew's folders.
Secrets (GitHub token, Orchard token) are never written into the plist, which other processes
of the user can read: the server reads them from its state folder as usual.

`launchctl` runs only on macOS; everywhere else (and with `dry_run`) the commands are
returned for printing, which is also how the tests check them.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.settings import Settings

LABEL = "nl.taartenfabriek.server"
LAUNCHD_PATH = "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
"""PATH for the agent: Homebrew (Apple silicon, Intel) first, then the system's folders."""


def plist_path(home: Path | None = None) -> Path:
    return (home or Path.home()) / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def _tart_path(configured: str) -> str:
    """An absolute tart path, as launchd's PATH would not find Homebrew's."""
    if os.path.isabs(configured):
        return configured
    found = shutil.which(configured, path=LAUNCHD_PATH + os.pathsep + os.environ.get("PATH", ""))
    return found or configured


def build_plist(settings: Settings, *, python: str | None = None) -> dict[str, Any]:
    """The LaunchAgent's contents: run `python -m taartenfabriek serve` at login, keep it up."""
    arguments = [python or sys.executable, "-m", "taartenfabriek", "serve"]
    arguments += ["--host", settings.host, "--port", str(settings.port)]
    if settings.allow_remote:
        arguments.append("--allow-remote")
    environment = {
        "PATH": LAUNCHD_PATH,
        "TARTVM_HOME": str(settings.home),
        "TARTVM_TART_PATH": _tart_path(settings.tart_path),
    }
    if settings.tart_home is not None:
        environment["TARTVM_TART_HOME"] = str(settings.tart_home)
    if settings.backend != "local":
        environment["TARTVM_BACKEND"] = settings.backend
    if settings.orchard_url:
        environment["TARTVM_ORCHARD_URL"] = settings.orchard_url
    if settings.allowed_hosts:
        environment["TARTVM_ALLOWED_HOSTS"] = ",".join(settings.allowed_hosts)
    log = settings.logs_dir / "server.log"
    return {
        "Label": LABEL,
        "ProgramArguments": arguments,
        "EnvironmentVariables": environment,
        "WorkingDirectory": str(settings.home),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "ProcessType": "Interactive",
        "StandardOutPath": str(log),
        "StandardErrorPath": str(log),
    }


@dataclass
class Plan:
    """What an install, uninstall or status does: a file to write or remove, and commands."""

    plist: Path
    contents: bytes | None = None
    remove: bool = False
    commands: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    """Folders launchd needs to exist (working directory, log folder), made private."""


def _domain() -> str:
    return f"gui/{os.getuid()}"


def install_plan(settings: Settings, *, home: Path | None = None) -> Plan:
    path = plist_path(home)
    contents = plistlib.dumps(build_plist(settings), fmt=plistlib.FMT_XML, sort_keys=True)
    return Plan(
        plist=path,
        contents=contents,
        commands=[
            ["launchctl", "bootout", f"{_domain()}/{LABEL}"],
            ["launchctl", "bootstrap", _domain(), str(path)],
            ["launchctl", "enable", f"{_domain()}/{LABEL}"],
        ],
        notes=[f"the server will answer on http://{settings.host}:{settings.port}/"],
        folders=[settings.home, settings.logs_dir],
    )


def uninstall_plan(*, home: Path | None = None) -> Plan:
    path = plist_path(home)
    return Plan(
        plist=path, remove=True, commands=[["launchctl", "bootout", f"{_domain()}/{LABEL}"]]
    )


def status_plan(*, home: Path | None = None) -> Plan:
    return Plan(plist=plist_path(home), commands=[["launchctl", "print", f"{_domain()}/{LABEL}"]])


def can_run_launchctl() -> bool:
    return sys.platform == "darwin"


def apply(plan: Plan) -> list[tuple[list[str], int, str]]:
    """Write or remove the plist and run the commands (macOS only); (argv, exit, output) each.

    `bootout` of an agent that is not loaded fails, harmlessly: its result is reported, not
    raised, so install and uninstall can be repeated.
    """
    if not can_run_launchctl():
        raise RuntimeError("LaunchAgents exist on macOS only; use --dry-run to see the plan")
    for folder in plan.folders:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if plan.contents is not None:
        plan.plist.parent.mkdir(parents=True, exist_ok=True)
        temporary = plan.plist.with_suffix(".tmp")
        temporary.write_bytes(plan.contents)
        temporary.chmod(0o644)
        temporary.replace(plan.plist)
    results = []
    for argv in plan.commands:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
        results.append((argv, done.returncode, (done.stdout + done.stderr).strip()))
    if plan.remove:
        plan.plist.unlink(missing_ok=True)
    return results


def read_installed(home: Path | None = None) -> dict[str, Any] | None:
    """The installed plist, or None when there is none (or it cannot be read)."""
    try:
        with open(plist_path(home), "rb") as handle:
            data = plistlib.load(handle)
    except (OSError, plistlib.InvalidFileException, ValueError):
        return None
    return data if isinstance(data, dict) else None
