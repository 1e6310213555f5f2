"""The UI on either backend: `Fleet` makes VMs that mean the same thing in local mode (tart-sim)
and in Orchard mode (the fake controller on loopback), so one browser test covers both.

In Orchard mode the server runs with `--backend orchard` against `ConsoleOrchard` (the fake
controller plus its port-forward and exec WebSockets) with one 2-slot worker `mac-1`; VMs are
made in the controller's store, as another Orchard client would, and the server then refreshes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from taartenfabriek.backends.orchard.mapping import phase
from taartenfabriek.sim.seed import seed_vm
from tests.browser.conftest import OFFLINE_CATALOG, UI
from tests.console.fake_connect import ConsoleOrchard
from tests.server import ServerProcess

IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
Mode = Literal["local", "orchard"]

ORCHARD_ENV = {
    "TARTVM_BACKEND": "orchard",
    "TARTVM_ORCHARD_QUEUE_WAIT": "5",
    "TARTVM_START_IP_TIMEOUT": "10",
    "TARTVM_TART_TIMEOUT": "10",
    "TARTVM_CONSOLE_CHECK_INTERVAL": "0.2",
}


@dataclass
class Fleet:
    mode: Mode
    ui: UI
    fake: ConsoleOrchard | None = None

    @property
    def orchard(self) -> bool:
        return self.mode == "orchard"

    @property
    def controller(self) -> ConsoleOrchard:
        assert self.fake is not None, "local mode has no controller"
        return self.fake

    def stopped(self, *names: str) -> None:
        """VMs that exist and do not run: seeded on disk (local) or created and then stopped
        with `powerState` (Orchard, where a stopped VM can never run again)."""
        for name in names:
            if self.orchard:
                self._orchard_vm(name)
                body = self.controller.vm(name)
                body["powerState"] = "stopped"
                self.controller.store.update_vm(name, body)
                self.controller.wait_for(lambda n=name: phase(self.controller.vm(n)) == "stopped")
            else:
                seed_vm(self.ui.server.tart_home, name, os_name="linux")
        self.ui.refresh()

    def running(self, name: str) -> dict[str, Any]:
        """A running VM started through the API (so its task learned the IP): `start` of a
        seeded VM locally, `create` from an image in Orchard (which starts what it creates)."""
        if self.orchard:
            task = self.ui.api("POST", "/api/vms/create", json={"name": name, "source_vm": IMAGE})
        else:
            seed_vm(self.ui.server.tart_home, name, os_name="linux")
            self.ui.refresh()
            task = self.ui.api("POST", f"/api/vms/{name}/start", json={})
        done = self.ui.server.wait_task(task["id"])
        assert done["status"] == "completed", done
        return dict(self.ui.api("GET", f"/api/vms/{name}"))

    def _orchard_vm(self, name: str, **spec: Any) -> None:
        self.controller.store.create_vm({"name": name, "image": IMAGE, **spec})
        self.controller.wait_for(lambda: self.controller.vm(name)["status"] == "running")


def orchard_server(
    server_factory: Callable[..., ServerProcess], fake: ConsoleOrchard, home: Path, **env: str
) -> ServerProcess:
    """The real server in Orchard mode against `fake`; `ORCHARD_HOME` is an empty folder, so
    no developer's `orchard context` leaks in."""
    home.mkdir(parents=True, exist_ok=True)
    overrides = {
        **OFFLINE_CATALOG,
        **ORCHARD_ENV,
        "TARTVM_ORCHARD_URL": fake.url,
        "ORCHARD_HOME": str(home),
        **env,
    }
    server: ServerProcess = server_factory(env_overrides=overrides)
    return server.start()


def make_fleet(
    mode: Mode,
    server_factory: Callable[..., ServerProcess],
    make_ui: Callable[..., UI],
    tmp_path: Path,
) -> Iterator[Fleet]:
    if mode == "local":
        yield Fleet("local", make_ui(server_factory(env_overrides=OFFLINE_CATALOG).start()))
        return
    fake = ConsoleOrchard(phase_seconds=0.25).start()
    try:
        fake.store.add_worker("mac-1")
        server = orchard_server(server_factory, fake, tmp_path / "orchard-home")
        yield Fleet("orchard", make_ui(server), fake)
    finally:
        fake.stop()
