"""Start the server at login: a per-user LaunchAgent written with plistlib, loaded by launchctl.

launchd starts agents with a bare environment (PATH=/usr/bin:/bin:/usr/sbin:/sbin), so the
plist names the absolute `tart` and Python paths and a PATH that includes Homebrew's folders.
Secrets (GitHub token, Orchard token) are never written into the plist, which other processes
of the user can read: the server reads them from its state folder as usual.

`launchctl` runs only on macOS; everywhere else (and with `dry_run`) the commands are
returned for printing, which is also how the tests check them.

The agent runs the installed `taartenfabriek` command (see `server_command`), not a Python
path: `uv tool`, pipx and Homebrew each keep a command on PATH that survives upgrades, while a
checkout's .venv (an editable install) breaks the agent the day the checkout moves.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
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


COMMAND = "taartenfabriek"


@dataclass(frozen=True)
class ServerCommand:
    """The argv that starts this installation's CLI, and why it was chosen (shown to the user)."""

    argv: tuple[str, ...]
    note: str | None = None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _on_path(extra: Sequence[str] = ()) -> list[str]:
    """Every `taartenfabriek` on PATH and in the folders installers put it (uv tool and pipx:
    ~/.local/bin; Homebrew: its bin), in that order, without duplicates."""
    folders = [*os.environ.get("PATH", "").split(os.pathsep), *extra]
    found: dict[str, None] = {}
    for folder in folders:
        candidate = os.path.join(folder, COMMAND) if folder else ""
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            found.setdefault(os.path.abspath(candidate))
    return list(found)


def _editable_checkout() -> str | None:
    """The checkout this package runs from when it is an editable install (`uv run`, `pip
    install -e`), from the install's PEP 610 record; None for a wheel install."""
    import json
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        record = distribution(COMMAND).read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    try:
        data = json.loads(record or "{}")
    except ValueError:
        return None
    if not data.get("dir_info", {}).get("editable"):
        return None
    url = str(data.get("url", ""))
    return url.removeprefix("file://") or "a checkout"


def _temporary(prefix: str) -> str | None:
    """What a throwaway environment is, when this one is: `uvx` and `pipx run` run from their
    caches, which they clean (the agent would then start nothing)."""
    real = os.path.realpath(prefix).replace(os.sep, "/")
    if re.search(r"/uv/(archive|builds)-v\d+/", real):
        return "uvx's cache, which uv may clean"
    if "/pipx/.cache/" in real:
        return "pipx run's cache, which pipx cleans"
    return None


def server_command(
    *,
    argv0: str | None = None,
    prefix: str | None = None,
    checkout: str | None = None,
    search: Sequence[str] | None = None,
) -> ServerCommand:
    """The `taartenfabriek` command the agent should run.

    This installation's script (the one being run, else the one next to its Python), reached
    through a PATH entry when one links to it (/opt/homebrew/bin, ~/.local/bin: Homebrew's
    Cellar path changes with every version, the link does not). From an editable checkout or
    a uvx / pipx run cache, another installation on PATH is preferred (`uv tool install .`
    done, then `uv run taartenfabriek service install` typed in the checkout); without one
    this one is used, with a note. Arguments are for tests; by default they describe this
    process.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    prefix = sys.prefix if prefix is None else prefix
    checkout = _editable_checkout() if checkout is None else checkout or None
    unstable = f"the checkout at {checkout}" if checkout else _temporary(prefix)
    extra = [LAUNCHD_PATH.split(os.pathsep)[0], str(Path.home() / ".local" / "bin")]
    candidates = _on_path(extra) if search is None else list(search)
    own = None
    if os.path.basename(argv0) == COMMAND and os.path.isfile(argv0):
        own = os.path.abspath(argv0)
    else:
        beside = os.path.join(prefix, "bin", COMMAND)
        own = beside if os.path.isfile(beside) else None
    if unstable is not None:
        inside = os.path.realpath(prefix) + os.sep
        elsewhere = [c for c in candidates if not os.path.realpath(c).startswith(inside)]
        if elsewhere:
            chosen = elsewhere[0]
            return ServerCommand((chosen,), f"runs {chosen}, the installed command, not {unstable}")
    if own is not None:
        linked = next((c for c in candidates if _same_file(c, own)), own)
        note = None
        if unstable is not None:
            note = (
                f"runs from {unstable}: once that is moved or gone the agent starts nothing; "
                "`uv tool install .` (or pipx install) and `taartenfabriek service install` "
                "from that command avoid this"
            )
        return ServerCommand((linked,), note)
    return ServerCommand(
        (sys.executable, "-m", COMMAND),
        f"no `{COMMAND}` command found; runs {sys.executable} -m {COMMAND}",
    )


def build_plist(settings: Settings, *, command: Sequence[str] | None = None) -> dict[str, Any]:
    """The LaunchAgent's contents: run `taartenfabriek serve` at login and keep it up."""
    arguments = [*(command or server_command().argv), "serve"]
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


def install_plan(
    settings: Settings, *, home: Path | None = None, command: ServerCommand | None = None
) -> Plan:
    path = plist_path(home)
    command = command or server_command()
    data = build_plist(settings, command=command.argv)
    contents = plistlib.dumps(data, fmt=plistlib.FMT_XML, sort_keys=True)
    return Plan(
        plist=path,
        contents=contents,
        commands=[
            ["launchctl", "bootout", f"{_domain()}/{LABEL}"],
            ["launchctl", "bootstrap", _domain(), str(path)],
            ["launchctl", "enable", f"{_domain()}/{LABEL}"],
        ],
        notes=[
            f"the server will answer on http://{settings.host}:{settings.port}/",
            *([command.note] if command.note else []),
        ],
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
