"""The `taartenfabriek` command: flags -> Settings -> uvicorn."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from . import __version__
from .security import TokenStore
from .settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="de taartenfabriek: manage Tart virtual machines from your browser.",
)
console = Console(stderr=True)


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
    demo: Annotated[bool, typer.Option("--demo", help="Use the bundled tart simulator.")] = False,
    backend: Annotated[str | None, typer.Option(help="local or orchard (TARTVM_BACKEND).")] = None,
    orchard_url: Annotated[str | None, typer.Option(help="Orchard controller URL.")] = None,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote", help="Allow a non-loopback --host (needs TARTVM_ALLOWED_HOSTS)."
        ),
    ] = False,
    log_level: Annotated[str | None, typer.Option(help="Log level.")] = None,
) -> None:
    """Run the server and print the URL to open."""
    import uvicorn

    from .app import create_app
    from .logs import install_redaction

    settings = _settings(
        host=host,
        port=port,
        home=home,
        tart_path=tart_path,
        backend=backend,
        orchard_url=orchard_url,
        log_level=log_level,
        demo=demo or None,
        allow_remote=allow_remote or None,
    )
    if not settings.is_loopback and not settings.allow_remote:
        console.print(
            f"[red]Refusing to bind to {settings.host}: the server controls your VMs. "
            "Pass --allow-remote and list the host names in TARTVM_ALLOWED_HOSTS.[/red]"
        )
        raise typer.Exit(2)
    if settings.demo:
        from . import demo as demo_mode

        demo_dir = settings.home / "demo"
        shim, tart_home = demo_mode.prepare(demo_dir)
        settings = settings.model_copy(
            update={"home": demo_dir, "tart_path": str(shim), "tart_home": tart_home}
        )
    install_redaction()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    application = create_app(settings)
    token = application.state.services.tokens.token
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
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
def version() -> None:
    """Print the version."""
    print(__version__)


def main() -> None:
    app()
