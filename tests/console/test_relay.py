"""The VNC relay in-process against local TCP servers standing in for a VM's VNC server (the
`vnc` mode's `<guest IP>:5900` cannot be reached from Linux): bytes both ways, every way it
ends, and the guards that run before it connects anywhere."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from taartenfabriek.api import console as console_api
from taartenfabriek.console.endpoints import (
    VncEndpoint,
    experimental_url,
    guest_address,
)
from taartenfabriek.console.models import ConsoleMode
from taartenfabriek.console.service import ConsoleService, ConsoleSettings
from taartenfabriek.core.errors import NotFound
from taartenfabriek.security import RequestGuard, TokenStore
from tests.console.conftest import drain
from tests.server import free_port


class FakeVNC:
    """A TCP server that records who connected and what arrived; sends `greeting` first."""

    def __init__(self, greeting: bytes = b"RFB 003.008\n", echo: bool = True) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.greeting = greeting
        self.echo = echo
        self.accepted = 0
        self.received = bytearray()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self.connections.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        # The connection closes here too: hang_up/close may run before `_serve` recorded it,
        # and an unclosed socket's ResourceWarning lands on whichever later test collects it.
        with conn:
            try:
                conn.sendall(self.greeting)
                while data := conn.recv(65536):
                    self.received += data
                    if self.echo:
                        conn.sendall(data)
            except OSError:
                pass

    def hang_up(self) -> None:
        while self.connections:
            conn = self.connections.pop()
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


class FakeConsole(ConsoleService):
    """The real socket handling, with the endpoint lookup replaced: VM `dev` is at `port`."""

    def __init__(self, port: int, *, mode: ConsoleMode = "vnc", idle: float = 30) -> None:
        self.settings = ConsoleSettings(idle_timeout=idle, check_interval=0.05)
        self.backend = SimpleNamespace(kind="local")  # type: ignore[assignment]
        self.sessions = 0
        self.port = port
        self.mode = mode
        self.running = True
        self.asked: list[str] = []
        self.unreachable: dict[str, str] = {}

    async def endpoint(self, name: str) -> tuple[VncEndpoint, object]:  # type: ignore[override]
        self.asked.append(name)
        if name != "dev":
            raise NotFound(f"VM {name!r} does not exist")

        async def still_running() -> bool:
            return self.running

        return VncEndpoint(self.mode, "127.0.0.1", self.port, "pw"), still_running


Serve = Callable[["FakeConsole"], "App"]


@pytest.fixture
def vnc() -> Iterator[FakeVNC]:
    server = FakeVNC()
    yield server
    server.close()


class App:
    """The console's socket router, its Host/Origin guard and a token, under uvicorn."""

    def __init__(self, tmp_path: Path, console: FakeConsole) -> None:
        tokens = TokenStore(tmp_path / "token")
        self.token = tokens.load()
        app = FastAPI()
        app.state.services = SimpleNamespace(tokens=tokens, console=console)
        app.include_router(console_api.sockets)
        app.add_middleware(RequestGuard)
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive()
            time.sleep(0.01)

    def ws(self, path: str, query: str | None = None, **kwargs: object) -> ClientConnection:
        query = f"token={self.token}" if query is None else query
        url = f"ws://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")
        return connect(url, proxy=None, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[FakeConsole], App]]:
    apps: list[App] = []

    def start(console: FakeConsole) -> App:
        apps.append(App(tmp_path / str(len(apps)), console))
        return apps[-1]

    yield start
    for app in apps:
        app.stop()


def closed(ws: ClientConnection) -> tuple[int, str]:
    messages, code, reason = drain(ws)
    assert all(isinstance(m, bytes) for m in messages), messages
    return code, reason


def test_bytes_go_both_ways(serve: Serve, vnc: FakeVNC) -> None:
    app = serve(FakeConsole(vnc.port))
    with app.ws("/ws/vms/dev/vnc") as ws:
        assert ws.recv(timeout=5) == b"RFB 003.008\n"
        ws.send(b"RFB 003.008\n")
        assert ws.recv(timeout=5) == b"RFB 003.008\n"
        big = bytes(range(256)) * 8192  # 2 MiB, echoed back in relay-sized chunks
        ws.send(big[: 1024 * 1024])
        ws.send(big[1024 * 1024 :])
        got = bytearray()
        while len(got) < len(big):
            chunk = ws.recv(timeout=5)
            assert isinstance(chunk, bytes) and len(chunk) <= 64 * 1024
            got += chunk
        assert bytes(got) == big
        ws.send("not RFB")  # text frames are not part of the stream: dropped
        ws.send(b"!")
        assert ws.recv(timeout=5) == b"!"
    assert vnc.accepted == 1


def test_the_guards_run_before_any_connection(serve: Serve, vnc: FakeVNC) -> None:
    console = FakeConsole(vnc.port)
    app = serve(console)
    for query in ("", "token=", "token=wrong", f"token={app.token}x", f"Token={app.token}"):
        with app.ws("/ws/vms/dev/vnc", query) as ws:
            assert closed(ws) == (1008, "missing or wrong token")
    with pytest.raises(InvalidStatus) as refused:
        app.ws("/ws/vms/dev/vnc", origin="http://evil.example")
    assert refused.value.response.status_code == 403
    sock = socket.create_connection(("127.0.0.1", app.port))
    url = f"ws://attacker.example:{app.port}/ws/vms/dev/vnc?token={app.token}"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, sock=sock, proxy=None)  # type: ignore[arg-type]  # DNS rebinding
    assert refused.value.response.status_code == 403
    time.sleep(0.2)
    assert vnc.accepted == 0
    assert console.asked == []  # not even looked up


def test_no_parameter_picks_the_target(serve: Serve, vnc: FakeVNC) -> None:
    decoy = FakeVNC(greeting=b"DECOY")
    try:
        console = FakeConsole(vnc.port)
        app = serve(console)
        query = (
            f"token={app.token}&host=127.0.0.1&port={decoy.port}&target=127.0.0.1:{decoy.port}"
            f"&address=127.0.0.1:{decoy.port}&vm=other&name=other"
        )
        with app.ws("/ws/vms/dev/vnc", query) as ws:
            assert ws.recv(timeout=5) == b"RFB 003.008\n"
        for path in ("/ws/vms/other/vnc", "/ws/vms/..%2Fdev/vnc", "/ws/vms/dev%2F..%2Fx/vnc"):
            with app.ws(path) as ws:
                assert closed(ws)[0] == 4404
        time.sleep(0.2)
        assert decoy.accepted == 0 and vnc.accepted == 1
        assert console.asked == ["dev", "other", "../dev", "dev/../x"]
    finally:
        decoy.close()


def test_the_vnc_server_hanging_up_ends_the_socket(serve: Serve, vnc: FakeVNC) -> None:
    console = FakeConsole(vnc.port)
    app = serve(console)
    with app.ws("/ws/vms/dev/vnc") as ws:
        ws.recv(timeout=5)
        vnc.hang_up()
        assert closed(ws) == (1000, "the VNC server closed the connection")
    console.running = False  # now the VM is gone too
    with app.ws("/ws/vms/dev/vnc") as ws:
        ws.recv(timeout=5)
        vnc.hang_up()
        assert closed(ws) == (4410, "the VM stopped")


def test_a_vm_that_stops_closes_the_socket(serve: Serve, vnc: FakeVNC) -> None:
    console = FakeConsole(vnc.port)
    app = serve(console)
    with app.ws("/ws/vms/dev/vnc") as ws:
        ws.recv(timeout=5)
        console.running = False  # the VNC server keeps the TCP connection open
        assert closed(ws) == (4410, "the VM stopped")


def test_idle_and_oversized(serve: Serve, vnc: FakeVNC) -> None:
    app = serve(FakeConsole(vnc.port, idle=0.3))
    with app.ws("/ws/vms/dev/vnc") as ws:
        ws.recv(timeout=5)
        assert closed(ws) == (4408, "closed after 0.3 s without activity")
    app = serve(FakeConsole(vnc.port))
    with app.ws("/ws/vms/dev/vnc", max_size=None) as ws:
        ws.recv(timeout=5)
        ws.send(bytes(1024 * 1024 + 1))
        assert closed(ws)[0] == 1009


def test_an_unreachable_vnc_server(serve: Serve) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    app = serve(FakeConsole(port))
    with app.ws("/ws/vms/dev/vnc") as ws:
        code, reason = closed(ws)
    assert code == 4502
    assert reason.startswith("could not connect to the guest's Screen Sharing")
    assert len(reason.encode()) <= 123


def test_too_many_sessions(serve: Serve, vnc: FakeVNC) -> None:
    console = FakeConsole(vnc.port)
    console.sessions = 16
    app = serve(console)
    with app.ws("/ws/vms/dev/vnc") as ws:
        assert closed(ws)[0] == 4429
    assert vnc.accepted == 0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "VNC server is running at vnc://:able-acid-also-apart@127.0.0.1:55123",
            ("127.0.0.1", 55123, "able-acid-also-apart"),
        ),
        ("Opening vnc://:pw-x@localhost:5901...", ("127.0.0.1", 5901, "pw-x")),
        ("vnc://:pw@[::1]:5901", ("::1", 5901, "pw")),
        ("VNC server is running at vnc://:pw@10.0.0.7:5900", None),  # only loopback
        ("vnc://:pw@127.0.0.1.evil.com:5900", None),
        ("vnc://:pw@127.0.0.1:70000", None),
        ("vnc://:pw@127.0.0.1:0", None),
        ("VNC server is running at vnc://192.168.64.3", None),
    ],
)
def test_the_experimental_url_is_read_strictly(
    line: str, expected: tuple[str, int, str] | None
) -> None:
    assert experimental_url(line) == expected


def test_guest_addresses_are_ip_literals_only() -> None:
    assert guest_address("192.168.64.9") == "192.168.64.9"
    assert guest_address("fe80::1") == "fe80::1"
    for bad in (None, "", "evil.com", "192.168.64.9:22", "127.0.0.1/8"):
        assert guest_address(bad) is None
