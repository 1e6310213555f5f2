"""The display of `tart run --vnc-experimental`: a small RFB 3.8 (VNC) server (RFC 6143).

Real Tart starts Virtualization.framework's VNC server on 127.0.0.1 and prints
`vnc://:<password>@127.0.0.1:<port>`. This one listens on a free loopback port in a thread of
the `tart run` process (so it stops with it), checks the password with VNC authentication
(§7.2.2: DES challenge-response, see `des`), and serves a framebuffer of the VM's display size
showing the VM's name (`screen`), in Raw encoding, in whatever true-colour pixel format the
client asks for. Keys typed are echoed into the picture, so a client can see its input arrive;
pointer events and clipboard text are read and ignored. Imports `des`, `screen` and the stdlib.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import select
import socket
import struct
import sys
import threading
from typing import Literal

from .des import vnc_response
from .screen import Framebuffer, Rect, clip, intersect

PROTOCOL = b"RFB 003.008\n"
SECURITY_NONE = 1
SECURITY_VNC = 2
RAW = 0

MAX_CLIENTS = 8
READ_TIMEOUT = 30.0
"""Seconds a client may take to send the rest of a message it has started."""
POLL = 0.2

_NO_SIGPIPE = getattr(socket, "MSG_NOSIGNAL", 0)
"""`tart run` dies of SIGPIPE like Tart (vmprocess): a client that went away must not do that."""


class PixelFormat:
    """A client's pixel format (§7.4): how to pack one pixel's red, green and blue."""

    def __init__(self, data: bytes) -> None:
        fields = struct.unpack(">BBBBHHHBBB3x", data)
        self.bpp, self.depth = fields[0], fields[1]
        self.big_endian, self.true_colour = bool(fields[2]), bool(fields[3])
        self.maxes = fields[4:7]
        self.shifts = fields[7:10]

    @classmethod
    def default(cls) -> PixelFormat:
        """What the server offers: 32 bits per pixel, depth 24, little-endian `0x00RRGGBB`."""
        return cls(struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))

    def pack(self) -> bytes:
        return struct.pack(
            ">BBBBHHHBBB3x",
            self.bpp,
            self.depth,
            self.big_endian,
            self.true_colour,
            *self.maxes,
            *self.shifts,
        )

    @property
    def usable(self) -> bool:
        return self.true_colour and self.bpp in (8, 16, 32)

    def convert(self, rgbx: bytes) -> bytes:
        """Pixels stored as R, G, B, 0 bytes -> this format."""
        if (
            self.bpp == 32
            and all(m == 255 for m in self.maxes)
            and sorted(self.shifts) in ([0, 8, 16], [8, 16, 24], [0, 8, 24], [0, 16, 24])
        ):
            out = bytearray(len(rgbx))
            for channel, shift in enumerate(self.shifts):
                position = 3 - shift // 8 if self.big_endian else shift // 8
                out[position::4] = rgbx[channel::4]
            return bytes(out)
        size = self.bpp // 8
        order: Literal["big", "little"] = "big" if self.big_endian else "little"
        cache: dict[bytes, bytes] = {}
        parts = []
        for start in range(0, len(rgbx), 4):
            pixel = rgbx[start : start + 4]
            packed = cache.get(pixel)
            if packed is None:
                value = 0
                for channel in range(3):
                    level = pixel[channel] * self.maxes[channel] // 255
                    value |= level << self.shifts[channel]
                packed = cache[pixel] = value.to_bytes(size, order)
            parts.append(packed)
        return b"".join(parts)


class ClientGone(Exception):
    """The client closed the connection or broke the protocol."""


class Connection:
    """One client, from the version handshake to the end, in its own thread."""

    def __init__(self, sock: socket.socket, display: Display) -> None:
        self.sock = sock
        self.display = display
        self.fb = display.framebuffer
        self.format = PixelFormat.default()
        self.seen = -1
        self.pending: Rect | None = None

    # --- bytes --------------------------------------------------------------------------

    def recv(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ClientGone
            data += chunk
        return bytes(data)

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            sent = self.sock.send(view, _NO_SIGPIPE)
            view = view[sent:]

    # --- protocol -----------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.sock.settimeout(READ_TIMEOUT)
            if self.handshake():
                self.loop()
        except (ClientGone, OSError, struct.error):
            pass
        finally:
            self.display.forget(self)
            self.sock.close()

    def _refuse(self, reason: str) -> None:
        data = reason.encode()
        self.send(struct.pack(">I", len(data)) + data)

    def handshake(self) -> bool:
        self.send(PROTOCOL)
        version = self.recv(12)
        if version not in (b"RFB 003.008\n", b"RFB 003.007\n"):
            self.send(b"\x00")
            self._refuse("this server speaks RFB 3.8 only")
            return False
        password = self.display.password
        offered = SECURITY_VNC if password else SECURITY_NONE
        self.send(bytes((1, offered)))
        if self.recv(1)[0] != offered:
            self.send(struct.pack(">I", 1))
            self._refuse("that security type is not offered")
            return False
        if offered == SECURITY_VNC:
            challenge = os.urandom(16)
            self.send(challenge)
            answer = self.recv(16)
            if not hmac.compare_digest(answer, vnc_response(password, challenge)):
                self.send(struct.pack(">I", 1))
                self._refuse("Authentication failed")
                return False
        self.send(struct.pack(">I", 0))
        self.recv(1)  # ClientInit: shared flag (every client shares this screen)
        name = self.display.name.encode()
        fb = self.fb
        self.send(
            struct.pack(">HH", fb.width, fb.height)
            + self.format.pack()
            + struct.pack(">I", len(name))
            + name
        )
        return True

    def loop(self) -> None:
        while not self.display.closed:
            if self.pending is not None:
                self.answer_pending()
            ready, _, _ = select.select([self.sock], [], [], POLL)
            if ready:
                self.message()

    def message(self) -> None:
        kind = self.recv(1)[0]
        if kind == 0:  # SetPixelFormat
            self.recv(3)
            requested = PixelFormat(self.recv(16))
            if not requested.usable:
                raise ClientGone  # colour maps are not supported
            self.format = requested
        elif kind == 2:  # SetEncodings: Raw is always allowed, so the list changes nothing
            (count,) = struct.unpack(">xH", self.recv(3))
            self.recv(4 * count)
        elif kind == 3:  # FramebufferUpdateRequest
            incremental, *rect = struct.unpack(">BHHHH", self.recv(9))
            wanted = clip((rect[0], rect[1], rect[2], rect[3]), self.fb.width, self.fb.height)
            if incremental:
                self.pending = wanted
                self.answer_pending()
            else:
                self.pending = None
                with self.fb.lock:
                    self.seen = self.fb.version
                    self.update(wanted)
        elif kind == 4:  # KeyEvent
            down, keysym = struct.unpack(">B2xI", self.recv(7))
            if down:
                self.fb.key(keysym)
        elif kind == 5:  # PointerEvent
            self.recv(5)
        elif kind == 6:  # ClientCutText (a negative length is the extended form)
            (length,) = struct.unpack(">3xi", self.recv(7))
            self.recv(abs(length))
        else:
            raise ClientGone

    def answer_pending(self) -> None:
        assert self.pending is not None
        with self.fb.lock:
            changed = self.fb.changed_since(self.seen)
            if changed is None:
                return
            self.seen = self.fb.version
            area = intersect(changed, self.pending)
            if area[2] == 0 or area[3] == 0:
                return
            self.pending = None
            self.update(area)

    def update(self, rect: Rect) -> None:
        """A FramebufferUpdate with one Raw rectangle (the caller holds the framebuffer lock)."""
        pixels = self.format.convert(self.fb.region(rect)) if rect[2] and rect[3] else b""
        header = struct.pack(">BxH", 0, 1) + struct.pack(">HHHHi", *rect, RAW)
        self.send(header + pixels)


class Display:
    """The listening socket and its clients; `close()` (or the process ending) stops all."""

    def __init__(self, name: str, password: str, width: int, height: int) -> None:
        self.name = name
        self.password = password
        self.framebuffer = Framebuffer(width, height, name)
        self.closed = False
        self._clients: set[Connection] = set()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(MAX_CLIENTS)
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="rfb-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if sys.platform == "darwin":  # no MSG_NOSIGNAL there
                sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_NOSIGPIPE", 0x1022), 1)
            connection = Connection(sock, self)
            with self._lock:
                if len(self._clients) >= MAX_CLIENTS:
                    sock.close()
                    continue
                self._clients.add(connection)
            threading.Thread(target=connection.run, name="rfb-client", daemon=True).start()

    def forget(self, connection: Connection) -> None:
        with self._lock:
            self._clients.discard(connection)

    def close(self) -> None:
        self.closed = True
        self._listener.close()
        with self._lock:
            clients = list(self._clients)
        for connection in clients:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
