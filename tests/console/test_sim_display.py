"""tart-sim's `run --vnc-experimental`: a real RFB 3.8 server on 127.0.0.1, with VNC password
authentication, showing the VM's name, living and dying with the `tart run` process."""

from __future__ import annotations

import re
import socket
import struct
import subprocess
from collections.abc import Iterator

import pytest

from taartenfabriek.sim import font
from taartenfabriek.sim.rfb import PixelFormat
from taartenfabriek.sim.screen import BACKGROUND, FOREGROUND, TITLE_Y
from tests.console.rfbclient import AuthFailed, RFBClient, TcpTransport
from tests.simtools import TartSim

URL_RE = re.compile(
    r"^VNC server is running at vnc://:(?P<pw>[a-z]+(?:-[a-z]+){3})@127\.0\.0\.1:(?P<port>\d+)$"
)


def start(tart_sim: TartSim, name: str) -> tuple[subprocess.Popen[str], str, int]:
    process = tart_sim.start_vm(name, "--vnc-experimental")
    assert process.stdout is not None
    match = URL_RE.match(process.stdout.readline().rstrip("\n"))
    assert match, "tart run printed no VNC URL"
    return process, match["pw"], int(match["port"])


OPEN: list[TcpTransport] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def connect(port: int, password: str) -> RFBClient:
    transport = TcpTransport("127.0.0.1", port)
    OPEN.append(transport)
    client = RFBClient(transport)
    client.handshake(password)
    return client


def title_pixels(name: str, width: int, height: int) -> set[tuple[int, int]]:
    """Where the name's glyphs must be lit: centred, at TITLE_Y, as large as fits 80 %."""
    scale = max(1, min(10, int(width * 0.8) // (font.ADVANCE * len(name))))
    left = (width - font.text_width(name, scale)) // 2
    top = int(height * TITLE_Y)
    return {
        (left + x * scale + dx, top + y * scale + dy)
        for x, y in font.lit_pixels(name)
        for dx in range(scale)
        for dy in range(scale)
    }


def test_the_display_shows_the_vm_name_after_vnc_authentication(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("build-42", os_name="darwin")
    process, password, port = start(tart_sim, "build-42")
    client = connect(port, password)
    assert client.security_types == [2]  # VNC authentication, nothing weaker
    assert (client.width, client.height, client.name) == (1024, 768, "build-42")
    client.request()
    assert client.read_update() == [(0, 0, 1024, 768)]
    expected = title_pixels("build-42", 1024, 768)
    band = range(int(768 * TITLE_Y), int(768 * TITLE_Y) + 7 * 10)
    lit = {(x, y) for y in band for x in range(1024) if client.pixel(x, y) == FOREGROUND}
    assert lit == expected
    assert client.pixel(5, 700) == BACKGROUND
    assert process.poll() is None


def test_a_wrong_password_is_refused(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    _process, password, port = start(tart_sim, "vm")
    with pytest.raises(AuthFailed, match="Authentication failed"):
        connect(port, password.upper())
    with pytest.raises(AuthFailed):
        connect(port, "")
    connect(port, password)  # and the right one still works


def test_typed_keys_come_back_as_an_incremental_update(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    _process, password, port = start(tart_sim, "vm")
    client = connect(port, password)
    client.request()
    client.read_update()
    before = bytes(client.pixels)
    for char in "hi":
        client.key(ord(char))
    client.request(incremental=True)
    (rect,) = client.read_update()
    assert rect[2] == 1024 and 0 < rect[3] < 100  # only the prompt line is sent again
    assert bytes(client.pixels) != before
    # nothing changed since: an incremental request waits (no busy loop of empty updates)
    client.request(incremental=True)
    transport = client.transport
    assert isinstance(transport, TcpTransport)
    transport.sock.settimeout(0.5)
    with pytest.raises(TimeoutError):
        client.read_update()


def test_the_display_follows_the_vm_size_and_stops_with_the_run(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("small")
    assert tart_sim.run("set", "small", "--display", "800x600").returncode == 0
    process, password, port = start(tart_sim, "small")
    client = connect(port, password)
    assert (client.width, client.height) == (800, 600)
    assert tart_sim.run("stop", "small").returncode == 0
    assert process.wait(10) == 0
    transport = client.transport
    assert isinstance(transport, TcpTransport)
    assert transport.sock.recv(1) == b""  # the server closed its clients
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_other_true_colour_formats() -> None:
    rgbx = bytes((0xFF, 0x80, 0x00, 0, 0x10, 0x20, 0x30, 0))
    # 32 bpp big-endian 0x00RRGGBB
    fmt = PixelFormat(struct.pack(">BBBBHHHBBB3x", 32, 24, 1, 1, 255, 255, 255, 16, 8, 0))
    assert fmt.convert(rgbx) == bytes((0, 0xFF, 0x80, 0x00, 0, 0x10, 0x20, 0x30))
    # 16 bpp little-endian RGB565
    fmt = PixelFormat(struct.pack(">BBBBHHHBBB3x", 16, 16, 0, 1, 31, 63, 31, 11, 5, 0))
    value = (0xFF * 31 // 255) << 11 | (0x80 * 63 // 255) << 5
    assert fmt.convert(rgbx)[:2] == value.to_bytes(2, "little")
    assert not PixelFormat(struct.pack(">BBBBHHHBBB3x", 8, 8, 0, 0, 0, 0, 0, 0, 0, 0)).usable
