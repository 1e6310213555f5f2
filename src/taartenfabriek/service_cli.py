"""`taartenfabriek service install|uninstall|status` and `taartenfabriek open`.

The server as a login item (a LaunchAgent, see launchagent.py) and a one-word way to open the
UI in the browser with the token from the state folder.
"""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .care import launchagent
from .core.settings import Settings

service_app = typer.Typer(
    no_args_is_help=True,
    help="Start the server at login (a macOS LaunchAgent).",
)
console = Console(stderr=True)

HomeOption = Annotated[Path | None, typer.Option(help="State folder (TARTVM_HOME).")]
PortOption = Annotated[int | None, typer.Option(help="Port (TARTVM_PORT).")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the plist and the commands; change nothing.")
]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _show(plan: launchagent.Plan) -> None:
    if plan.contents is not None:
        print(f"# {plan.plist}")
        print(plan.contents.decode().rstrip())
    elif plan.remove:
        print(f"# remove {plan.plist}")
    for argv in plan.commands:
        print("$ " + " ".join(argv))


def _apply(plan: launchagent.Plan, dry_run: bool) -> None:
    if dry_run:
        _show(plan)
        return
    if not launchagent.can_run_launchctl():
        console.print(
            f"[red]LaunchAgents exist on macOS only (this is {sys.platform}); "
            "--dry-run shows what would be done.[/red]"
        )
        raise typer.Exit(2)
    for argv, code, output in launchagent.apply(plan):
        console.print(f"$ {' '.join(argv)} -> {code}" + (f": {output}" if output else ""))


@service_app.command()
def install(
    home: HomeOption = None,
    port: PortOption = None,
    tart_path: Annotated[str | None, typer.Option(help="tart executable.")] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Write ~/Library/LaunchAgents/nl.taartenfabriek.server.plist and load it."""
    settings = _settings(home=home, port=port, tart_path=tart_path)
    plan = launchagent.install_plan(settings)
    _apply(plan, dry_run)
    if not dry_run:
        console.print(f"installed {plan.plist}; " + "; ".join(plan.notes))


@service_app.command()
def uninstall(dry_run: DryRunOption = False) -> None:
    """Unload the LaunchAgent and remove its plist."""
    plan = launchagent.uninstall_plan()
    _apply(plan, dry_run)
    if not dry_run:
        console.print(f"removed {plan.plist}")


@service_app.command()
def status(dry_run: DryRunOption = False) -> None:
    """Whether the LaunchAgent is installed and loaded (exit 0 only when both)."""
    plan = launchagent.status_plan()
    if dry_run:
        _show(plan)
        return
    installed = launchagent.read_installed()
    if installed is None:
        print(f"not installed ({plan.plist} does not exist)")
        raise typer.Exit(1)
    arguments = " ".join(str(a) for a in installed.get("ProgramArguments", []))
    print(f"installed: {plan.plist}\n  runs: {arguments}")
    if not launchagent.can_run_launchctl():
        print("  loaded: unknown (launchctl exists on macOS only)")
        raise typer.Exit(1)
    (_argv, code, _output), *_ = launchagent.apply(
        launchagent.Plan(plist=plan.plist, commands=plan.commands)
    )
    print(f"  loaded: {'yes' if code == 0 else 'no'}")
    raise typer.Exit(0 if code == 0 else 1)


def launch_url(settings: Settings, token: str) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{settings.port}/?token={token}"


def open_ui(
    home: HomeOption = None,
    port: PortOption = None,
    host: Annotated[str | None, typer.Option(help="Address of the server.")] = None,
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the URL instead of opening it.")
    ] = False,
) -> None:
    """Open the UI in the browser (reads the token file and the port setting)."""
    settings = _settings(home=home, port=port, host=host)
    try:
        token = settings.token_file.read_text().strip()
    except OSError:
        console.print(
            f"[red]No token in {settings.token_file}: start the server once "
            "(`taartenfabriek serve` or `taartenfabriek service install`).[/red]"
        )
        raise typer.Exit(1) from None
    url = launch_url(settings, token)
    base = url.split("/?", 1)[0]
    import httpx  # here, not at the top: `serve` shares this module and never needs it

    try:
        answer = httpx.get(f"{base}/api/health", headers={"X-Local-Token": token}, timeout=3)
        up = answer.status_code == 200
    except httpx.HTTPError:
        up = False
    if not up:
        console.print(
            f"[yellow]No server answers at {base}: start it with `taartenfabriek serve` "
            "or `taartenfabriek service install`.[/yellow]"
        )
    if print_only:
        print(url)
    elif not webbrowser.open(url):
        console.print("No browser could be opened; the address is:")
        print(url)
    if not up:
        raise typer.Exit(1)
