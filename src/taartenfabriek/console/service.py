"""What the console and terminal need to know about a VM: is it running, where is its screen,
how to tell when it stops, and how many sockets may be open at once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..backends.base import Backend
from ..backends.serial import SerialPorts, SerialReader
from ..care.runlogs import RunInfo, RunLogs
from ..core.errors import TaartError
from ..core.logs import register_secret
from ..core.models import VM
from ..inventory.service import Inventory
from .credentials import CredentialStore
from .endpoints import (
    SCREEN_SHARING_PORT,
    ConsoleUnavailable,
    ExperimentalEndpoints,
    VncEndpoint,
    guest_address,
    local_network_advice,
)
from .models import ConsoleInfo
from .relay import Remote, StillRunning, TcpRemote
from .terminal import ExecSpawner, Shell, TerminalProcess

if TYPE_CHECKING:
    from ..backends.orchard.context import Connection

CONNECT_TIMEOUT = 5.0
MAX_SESSIONS = 16
"""Console and terminal sockets open at once, all VMs together."""


@dataclass(frozen=True)
class ConsoleSettings:
    idle_timeout: float = 1800.0
    check_interval: float = 2.0
    terminal_command: str = ""
    spawn_exec: ExecSpawner | None = None
    """Starts `tart exec` on a pty (the assembly hands in tart/spawn.py's, so the console never
    builds a tart command line itself); None: no terminal."""


class ConsoleService:
    def __init__(
        self,
        *,
        backend: Backend,
        inventory: Inventory,
        runlogs: RunLogs,
        credentials: CredentialStore,
        settings: ConsoleSettings,
        env: dict[str, str],
    ) -> None:
        self.backend = backend
        self.inventory = inventory
        self.unreachable: dict[str, str] = {}
        """Per VM (lower case): why its guest IP last failed to answer, when it may be macOS
        15's Local Network permission (shown by `info`)."""
        self.runlogs = runlogs
        self.credentials = credentials
        self.settings = settings
        self.env = env
        self.experimental = ExperimentalEndpoints()
        self.sessions = 0

    # --- the VM now ----------------------------------------------------------------------

    async def running_vm(
        self, name: str, what: str, *, ask_tart: bool = True
    ) -> tuple[VM, RunInfo | None]:
        """The VM, which must be a running working VM, and its live run if this server
        started it; ConsoleUnavailable (or NotFound) with the sentence to show otherwise.
        `ask_tart` False (reads, which start no `tart`): no `tart get`, see `_state`."""
        vm = await self.inventory.lookup(name)
        if vm.kind == "base_image":
            raise ConsoleUnavailable(
                "base_image",
                f"{vm.name} is a base image: clone it and start the clone to {what}.",
            )
        run = self.runlogs.live(vm.name) if self.backend.kind == "local" else None
        if run is None:
            state = await self._state(vm, ask_tart=ask_tart)
            if state != "running":
                detail = " (suspended: resume it)" if state == "suspended" else ""
                raise ConsoleUnavailable(
                    "not_running", f"{vm.name} is not running{detail}: start it to {what}."
                )
        return vm, run

    async def _state(self, vm: VM, *, ask_tart: bool = True) -> str:
        """The state now: from TART_HOME when the backend can read it (`Backend.peek`), else
        Tart's answer (`tart get`); the cached inventory's when tart cannot say or must not
        be asked."""
        seen = self.backend.peek(vm.name)
        if seen is not None:
            return seen.state
        if not ask_tart:
            return vm.state
        try:
            config = await self.inventory.config(vm.name, force_refresh=True)
        except TaartError:
            return vm.state
        return str(self.backend.config_fields(config.raw)["state"])

    def still_running(self, vm: VM, run: RunInfo | None) -> StillRunning:
        """A cheap check for the socket's watcher: our own run's process while we know it,
        else Tart's state."""

        async def running() -> bool:
            if run is not None:
                return run.is_live()
            with contextlib.suppress(TaartError):
                return await self._state(vm) == "running"
            return True  # tart could not say: keep the socket rather than guess

        async def check() -> bool:
            if await running():
                return True
            # the VNC server or shell goes a moment before the run lets go of the VM's
            # lock: the inventory follows the VM until it has (inventory_watch.py)
            self.inventory.follow(vm.name)
            return False

        return check

    # --- the screen ----------------------------------------------------------------------

    async def endpoint(
        self, name: str, *, ask_tart: bool = True
    ) -> tuple[VncEndpoint, StillRunning]:
        """Where to connect for the VM's screen, and how to tell later that the VM stopped."""
        vm, run = await self.running_vm(name, "see its screen", ask_tart=ask_tart)
        stopped = self.still_running(vm, run)
        if run is not None and "--vnc-experimental" in run.flags:
            found = self.experimental.find(run)
            if found is None:
                raise ConsoleUnavailable(
                    "starting",
                    "tart run has not printed its VNC address yet: try again in a moment.",
                )
            host, port, password = found
            return VncEndpoint("vnc-experimental", host, port, password, run=run), stopped
        if self._orchard() is not None:
            username, password = await self._orchard_credentials(vm.name)
            endpoint = VncEndpoint(
                "vnc",
                vm.name,
                SCREEN_SHARING_PORT,
                password,
                username=username,
                via="Orchard's port-forward",
            )
            return endpoint, stopped
        ip = guest_address(vm.ip_address)
        if ip is None and ask_tart:  # a read answers from the inventory as it is
            with contextlib.suppress(TaartError):
                await self.inventory.refresh()
            found_vm = self.inventory.find(vm.name)
            ip = guest_address(found_vm.ip_address if found_vm else None)
        if ip is None:
            raise ConsoleUnavailable(
                "no_ip",
                f"{vm.name} has no IP address yet, and Screen Sharing needs one: wait until the "
                "guest has booted, or start it with the display `vnc-experimental`, which "
                "needs none.",
            )
        username, password, _saved = self.credentials.get(vm.name)
        endpoint = VncEndpoint("vnc", ip, SCREEN_SHARING_PORT, password, username=username)
        return endpoint, stopped

    async def info(self, name: str) -> ConsoleInfo:
        vm = await self.inventory.lookup(name)
        paths = {
            "websocket": f"/ws/vms/{quote(vm.name, safe='')}/vnc",
            "terminal": f"/ws/vms/{quote(vm.name, safe='')}/terminal",
            "serial": f"/ws/vms/{quote(vm.name, safe='')}/serial",
        }
        saved = self.credentials.get(vm.name)[2]
        try:
            endpoint, _ = await self.endpoint(vm.name, ask_tart=False)
        except ConsoleUnavailable as exc:
            return ConsoleInfo(
                name=vm.name,
                available=False,
                reason=exc.message,
                code=exc.kind,
                credentials_saved=saved,
                **paths,
            )
        hint = None
        if endpoint.via is not None:
            hint = (
                "Screen Sharing of the guest, through the Orchard controller: it must be "
                "enabled in the guest (it is in Cirrus Labs' macOS images)."
            )
        elif endpoint.mode == "vnc" and vm.name.lower() in self.unreachable:
            hint = self.unreachable[vm.name.lower()]  # the last try met no route or timed out
        elif endpoint.mode == "vnc":
            hint = (
                "Screen Sharing of the guest: it must be enabled in the guest (it is in "
                "Cirrus Labs' macOS images); Linux guests usually have none, start them with "
                "the display `vnc-experimental` instead."
            )
        return ConsoleInfo(
            name=vm.name,
            available=True,
            mode=endpoint.mode,
            reason=hint,
            address=endpoint.address,
            username=endpoint.username,
            password=endpoint.password,
            credentials_saved=saved,
            **paths,
        )

    async def open_screen(self, name: str, endpoint: VncEndpoint) -> Remote:
        """Connect to the screen `endpoint` says (never anywhere a request says)."""
        orchard = self._orchard()
        if orchard is not None:
            from .orchard import PortForward  # Orchard mode only (a WebSocket client)

            return await PortForward.open(orchard, name)
        try:
            remote = await TcpRemote.open(endpoint.host, endpoint.port, CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            advice = local_network_advice(exc, endpoint.address)
            if endpoint.mode == "vnc" and advice is not None:
                self.unreachable[name.lower()] = advice  # the whole sentence: GET .../console
                raise ConsoleUnavailable("connect_failed", advice) from exc
            what = (
                "the guest's Screen Sharing (is it enabled in the guest?)"
                if endpoint.mode == "vnc"
                else "tart run's VNC server"
            )
            raise ConsoleUnavailable(
                "connect_failed", f"could not connect to {what} at {endpoint.address}"
            ) from exc
        self.unreachable.pop(name.lower(), None)
        return remote

    async def _orchard_credentials(self, name: str) -> tuple[str, str]:
        """Saved here, else the Orchard VM's own (`username`/`password`, admin/admin)."""
        username, password, saved = self.credentials.get(name)
        if saved:
            return username, password
        raw = await self.backend.client.get_vm(name)  # type: ignore[attr-defined]
        user, secret = raw.get("username"), raw.get("password")
        if isinstance(user, str) and user and isinstance(secret, str):
            register_secret(secret)
            return user, secret
        return username, password

    def _orchard(self) -> Connection | None:
        """The controller to go through, when the backend is Orchard."""
        client = getattr(self.backend, "client", None)
        if self.backend.kind != "orchard" or client is None:
            return None
        connection: Connection = client.connection
        return connection

    # --- the terminal --------------------------------------------------------------------

    async def open_shell(self, name: str, *, cols: int, rows: int) -> Shell:
        orchard = self._orchard()
        if orchard is not None:
            from .orchard import OrchardShell  # Orchard mode only (a WebSocket client)

            controller = getattr(self.backend, "controller", None)
            facts = await controller() if controller is not None else None
            if facts is not None and facts.exec is False:
                raise ConsoleUnavailable(
                    "unsupported",
                    f"the Orchard controller ({facts.version}) cannot run commands in VMs: "
                    "the terminal needs Orchard 0.51.0 or newer (`/v1/vms/{{name}}/exec`)",
                )
            command = self.settings.terminal_command
            return await OrchardShell.open(orchard, name, command, cols=cols, rows=rows)
        await self._check_exec()
        shell = ["/bin/sh", "-c", self.settings.terminal_command]
        spawner = self.settings.spawn_exec
        if spawner is None:
            raise ConsoleUnavailable("unsupported", "this server has no terminal")
        return await TerminalProcess.start(name, spawner, shell, self.env, cols=cols, rows=rows)

    async def _check_exec(self) -> None:
        """`tart exec` came with Tart 2.27.0 and needs macOS 14 (tart/features.py, host.py)."""
        capabilities = await self.backend.capabilities()
        reason = capabilities.refusals.get("exec") if capabilities is not None else None
        if reason is not None:
            raise ConsoleUnavailable("unsupported", reason)

    # --- the serial console --------------------------------------------------------------

    async def open_serial(self, name: str) -> tuple[SerialReader, StillRunning]:
        """The serial console of the run this server started with one (backends/serial.py);
        ConsoleUnavailable saying how to get one otherwise."""
        if self._orchard() is not None:
            raise ConsoleUnavailable(
                "unsupported",
                "Orchard starts its VMs on its workers, where this server holds no serial "
                "console: use the Terminal or the Console.",
            )
        vm, run = await self.running_vm(name, "open its serial console")
        ports: SerialPorts | None = getattr(self.backend, "serial_ports", None)
        port = ports.get(vm.name) if ports is not None else None
        if port is None:
            if run is not None and (run.options or {}).get("serial"):
                raise ConsoleUnavailable(
                    "serial_lost",
                    f"{vm.name}'s serial console ended when the server that started it "
                    "stopped (its pty lived in that server): stop and start the VM to get it "
                    "back; the Terminal and the Console still work.",
                )
            raise ConsoleUnavailable(
                "no_serial",
                f"{vm.name} was not started with a serial console: stop it and start it with "
                "the start option Serial console (Linux guests).",
            )
        return port.attach(), self.still_running(vm, run)

    # --- sessions ------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        if self.sessions >= MAX_SESSIONS:
            raise ConsoleUnavailable(
                "too_many",
                f"{MAX_SESSIONS} consoles and terminals are open already: close one first.",
            )
        self.sessions += 1
        try:
            yield
        finally:
            self.sessions -= 1
