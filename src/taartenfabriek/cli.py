"""The `taartenfabriek` command: flags -> Settings -> uvicorn."""

from __future__ import annotations

import logging
import logging.config
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from . import __version__
from .core.errors import TaartError
from .core.hosts import is_loopback_address, normalise_host_names, split_host
from .core.settings import Settings
from .security import TokenStore
from .service_cli import open_ui, service_app

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="de taartenfabriek: manage Tart virtual machines from your browser.",
)
console = Console(stderr=True)
app.add_typer(service_app, name="service")
app.command("open")(open_ui)


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (TARTVM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (TARTVM_PORT).")] = None,
    home: Annotated[Path | None, typer.Option(help="State folder (TARTVM_HOME).")] = None,
    tart_path: Annotated[
        str | None, typer.Option(help="tart executable (TARTVM_TART_PATH).")
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Use the bundled tart simulator (its folder is seeded once, then kept)."
        ),
    ] = False,
    demo_reset: Annotated[
        bool,
        typer.Option("--demo-reset", help="Like --demo, but delete the demo's VMs and reseed."),
    ] = False,
    backend: Annotated[str | None, typer.Option(help="local or orchard (TARTVM_BACKEND).")] = None,
    orchard_url: Annotated[str | None, typer.Option(help="Orchard controller URL.")] = None,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote", help="Allow a non-loopback --host (needs TARTVM_ALLOWED_HOSTS)."
        ),
    ] = False,
    allowed_hosts: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated Host names accepted besides loopback (TARTVM_ALLOWED_HOSTS)."
        ),
    ] = None,
    log_level: Annotated[str | None, typer.Option(help="Log level.")] = None,
) -> None:
    """Run the server and print the URL to open."""
    import uvicorn

    from .app import create_app
    from .core.logs import install_redaction, log_config
    from .security import MAX_BODY_BYTES
    from .slowclients import with_header_deadline

    settings = _settings(
        host=host,
        port=port,
        home=home,
        tart_path=tart_path,
        backend=backend,
        orchard_url=orchard_url,
        log_level=log_level,
        demo=demo or demo_reset or None,
        allow_remote=allow_remote or None,
        allowed_hosts=allowed_hosts,
    )
    _check_bind(settings)
    if settings.demo:
        from . import demo as demo_mode

        demo_dir = settings.home / "demo"
        shim, tart_home = demo_mode.prepare(demo_dir, reset=demo_reset)
        settings = settings.model_copy(
            update={
                "home": demo_dir,
                "token_dir": settings.token_dir or settings.home,  # one token, as README says
                "tart_path": str(shim),
                "tart_home": tart_home,
                # tart-sim's own lease file (a Mac's /var/db/dhcpd_leases knows no demo VM)
                "dhcpd_leases": tart_home / ".sim-dhcpd_leases",
            }
        )
    logging.config.dictConfig(log_config(settings.log_level))
    install_redaction()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    try:
        application = create_app(settings)
    except TaartError as exc:  # an unusable state folder, a full disk: say so and stop
        console.print(
            f"Cannot start: {exc.detail}",
            style="red",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from exc
    token = application.state.services.tokens.token
    shown_host = _url_host(settings)
    url = f"http://{shown_host}:{settings.port}/?token={token}"
    console.print(
        f"de taartenfabriek {__version__}" + (" (demo: simulated Tart)" if settings.demo else "")
    )
    console.print(f"Open [bold]{url}[/bold]", soft_wrap=True)
    sys.stderr.flush()
    # Demo VMs are stopped by the app's lifespan: uvicorn re-raises SIGINT/SIGTERM after
    # shutdown, so nothing placed after this call would run on a signal.
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        timeout_graceful_shutdown=5,
        log_config=log_config(settings.log_level),
        ws_max_size=MAX_BODY_BYTES,
        server_header=False,
        http=with_header_deadline(settings.header_timeout),
    )


def _url_host(settings: Settings) -> str:
    """The host of the launch URL: one the Host check accepts (never `0.0.0.0`)."""
    if not is_loopback_address(settings.host):
        for name in settings.allowed_hosts:
            parsed = split_host(name.strip())
            if parsed is not None:
                return parsed[0]
    return f"[{settings.host}]" if ":" in settings.host else settings.host


def _check_bind(settings: Settings) -> None:
    """Loopback binds go ahead; anything else needs --allow-remote and an explicit allow-list
    of Host names, and is announced loudly: whoever reaches the port with the token owns the
    VMs, and the token travels in clear text over plain HTTP."""
    if is_loopback_address(settings.host):
        return
    if not settings.allow_remote:
        console.print(
            f"[red]Refusing to bind to {settings.host}: the server controls your VMs. "
            "Pass --allow-remote and list the host names in TARTVM_ALLOWED_HOSTS.[/red]"
        )
        raise typer.Exit(2)
    if not normalise_host_names(settings.allowed_hosts):
        console.print(
            f"[red]Refusing to bind to {settings.host} without an allow-list of host names: "
            "set TARTVM_ALLOWED_HOSTS (or --allowed-hosts) to the names clients use in their "
            "URLs, e.g. my-mac.local.[/red]"
        )
        raise typer.Exit(2)
    console.print(
        f"[bold red]WARNING: listening on {settings.host}, reachable from other machines. "
        "Anyone with the token controls your VMs, and plain HTTP sends the token in clear "
        "text: use this on a trusted network only (or behind a TLS proxy). Accepted host "
        f"names: {', '.join(sorted(normalise_host_names(settings.allowed_hosts)))}.[/bold red]"
    )


@app.command()
def token(
    home: Annotated[Path | None, typer.Option(help="State folder (TARTVM_HOME).")] = None,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Make a new token; the old one stops working.")
    ] = False,
) -> None:
    """Print the local API token (or rotate it)."""
    settings = _settings(home=home)
    store = TokenStore(settings.token_file)
    print(store.rotate() if rotate else store.load())


@app.command()
def doctor(
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"checks": [{name, ok, detail, fix}]}.')
    ] = False,
    tart_path: Annotated[
        str | None, typer.Option(help="tart executable (TARTVM_TART_PATH).")
    ] = None,
) -> None:
    """Check this Mac for what the server needs (Tart, macOS, TART_HOME, Softnet, Local
    Network, the LaunchAgent), each finding with its fix; exit 1 when a check fails."""
    from . import doctor as checkup

    checks = checkup.diagnose(_settings(tart_path=tart_path))
    print(checkup.as_json(checks) if as_json else checkup.as_text(checks))
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


def main() -> None:
    app()
