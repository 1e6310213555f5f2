"""A small RFB 3.8 client for tests: the handshake with VNC authentication, full and incremental
framebuffer updates in Raw encoding, key events. It speaks over a plain TCP socket or over a
WebSocket (the server's relay), through the same `recv`/`send` pair.

The DES it uses is the simulator's; that DES is checked on its own against FIPS 46-3 vectors and
noVNC's implementation (test_des.py), and the browser tests log in with noVNC's.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from typing import Protocol

from taartenfabriek.sim.des import vnc_response


class Transport(Protocol):
    def recv(self, size: int) -> bytes: ...

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class TcpTransport:
    def __init__(self, host: str, port: int, timeout: float = 10) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)

    def recv(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise EOFError("the server closed the connection")
            data += chunk
        return bytes(data)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


class WebSocketTransport:
    """RFB over a websockets sync connection: binary messages are a byte stream."""

    def __init__(self, connection: object, timeout: float = 10) -> None:
        self.ws = connection
        self.buffer = bytearray()
        self.timeout = timeout
        self.messages = 0

    def recv(self, size: int) -> bytes:
        while len(self.buffer) < size:
            message = self.ws.recv(timeout=self.timeout)  # type: ignore[attr-defined]
            if isinstance(message, str):
                raise AssertionError(f"a text frame on the VNC socket: {message!r}")
            self.messages += 1
            self.buffer += message
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def send(self, data: bytes) -> None:
        self.ws.send(data)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.ws.close()  # type: ignore[attr-defined]


class AuthFailed(Exception):
    pass


@dataclass
class RFBClient:
    transport: Transport
    width: int = 0
    height: int = 0
    name: str = ""
    pixels: bytearray = field(default_factory=bytearray)
    """R, G, B per pixel, row by row."""
    security_types: list[int] = field(default_factory=list)

    def handshake(self, password: str | None) -> None:
        t = self.transport
        version = t.recv(12)
        assert version == b"RFB 003.008\n", version
        t.send(b"RFB 003.008\n")
        count = t.recv(1)[0]
        if count == 0:
            (length,) = struct.unpack(">I", t.recv(4))
            raise AuthFailed(t.recv(length).decode())
        self.security_types = list(t.recv(count))
        if 2 in self.security_types:
            t.send(bytes((2,)))
            challenge = t.recv(16)
            t.send(vnc_response(password or "", challenge))
        else:
            t.send(bytes((1,)))
        (result,) = struct.unpack(">I", t.recv(4))
        if result != 0:
            (length,) = struct.unpack(">I", t.recv(4))
            raise AuthFailed(t.recv(length).decode())
        t.send(b"\x01")  # shared
        self.width, self.height = struct.unpack(">HH", t.recv(4))
        t.recv(16)  # the server's pixel format; we set our own next
        (length,) = struct.unpack(">I", t.recv(4))
        self.name = t.recv(length).decode()
        self.pixels = bytearray(self.width * self.height * 3)
        # 32 bpp, depth 24, little-endian, true colour, red at bit 0 (what noVNC asks for)
        t.send(
            b"\x00\x00\x00\x00"
            + struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 0, 8, 16)
        )
        t.send(struct.pack(">BxHi", 2, 1, 0))  # SetEncodings: Raw

    def request(self, incremental: bool = False) -> None:
        self.transport.send(struct.pack(">BBHHHH", 3, incremental, 0, 0, self.width, self.height))

    def read_update(self) -> list[tuple[int, int, int, int]]:
        t = self.transport
        kind = t.recv(1)[0]
        assert kind == 0, f"unexpected server message {kind}"
        (count,) = struct.unpack(">xH", t.recv(3))
        rects = []
        for _ in range(count):
            x, y, w, h, encoding = struct.unpack(">HHHHi", t.recv(12))
            assert encoding == 0, encoding
            data = t.recv(w * h * 4)
            rgb = bytearray(w * h * 3)
            for channel in range(3):  # red at byte 0, as asked for in handshake()
                rgb[channel::3] = data[channel::4]
            for row in range(h):
                dst = ((y + row) * self.width + x) * 3
                self.pixels[dst : dst + w * 3] = rgb[row * w * 3 : (row + 1) * w * 3]
            rects.append((x, y, w, h))
        return rects

    def key(self, keysym: int) -> None:
        for down in (1, 0):
            self.transport.send(struct.pack(">BBxxI", 4, down, keysym))

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        start = (y * self.width + x) * 3
        r, g, b = self.pixels[start : start + 3]
        return (r, g, b)

    def colours(self) -> set[tuple[int, int, int]]:
        return {
            (self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
            for i in range(0, len(self.pixels), 3)
        }
