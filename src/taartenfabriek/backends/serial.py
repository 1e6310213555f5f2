"""A VM's serial console: a pseudo-terminal this server makes, whose other end `tart run
--serial-path` attaches to the guest, held here for as long as the run lives.

Tart opens the path it is given for reading and for writing and hands both to a
`VZVirtioConsoleDeviceSerialPortConfiguration` (Sources/tart/Commands/Run.swift:80-85 the
option, :399-405 the open, :608-615 the device; came with Tart 1.1.0, #448, older than our
MINIMUM). A Linux guest sees it as `hvc0`; a getty on it gives a login prompt without any
network in the guest.

The master is read all the time, whether a browser watches or not: a guest writing to a
serial port nobody drains would block (the kernel's console included). What was read goes to
a bounded scrollback (so a page opened after boot still shows the `login:` prompt) and to each
attached reader. Only this process holds the master: when the server exits, the pty is gone
and the run keeps going without its console (docs/console.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tty
from collections.abc import Iterator

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
SCROLLBACK = 64 * 1024
"""Bytes of the guest's output kept for a page that attaches later."""
READER_CHUNKS = 256
"""Chunks one attached browser may be behind before it is dropped (the guest never waits)."""


class SerialReader:
    """One browser attached to a port: its share of the output, in order."""

    def __init__(self, port: SerialPort) -> None:
        self.port = port
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(READER_CHUNKS)
        self.lagged = False

    def offer(self, data: bytes | None) -> None:
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.lagged = True  # ends this reader; the next read says so
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def read(self) -> bytes:
        """The next output; b"" once the port closed (or this reader fell too far behind)."""
        data = await self.queue.get()
        if data is None:
            self.queue.put_nowait(None)
            return b""
        return data

    async def write(self, data: bytes) -> None:
        await self.port.write(data)

    def close(self) -> None:
        self.port.readers.discard(self)


class SerialPort:
    """The master side of one run's serial pty."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.master, self.slave = os.openpty()
        # raw: the guest's getty does echo and line editing; our side must not add its own
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.scrollback = bytearray()
        self.readers: set[SerialReader] = set()
        self.closed = False
        self._pump: asyncio.Task[None] | None = None

    def begin(self) -> None:
        """Start draining the master (once `tart run` was spawned)."""
        loop = asyncio.get_running_loop()
        loop.add_reader(self.master, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            # Linux: EIO while no one has the slave open; we hold it, so this is the end
            self.close()
            return
        self.scrollback += data
        del self.scrollback[:-SCROLLBACK]
        for reader in list(self.readers):
            reader.offer(data)

    def attach(self) -> SerialReader:
        """A reader that first gets the scrollback, then what the guest writes from now on."""
        reader = SerialReader(self)
        if self.scrollback:
            reader.offer(bytes(self.scrollback))
        if self.closed:
            reader.offer(None)
        self.readers.add(reader)
        return reader

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.closed:
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                await asyncio.sleep(0.01)  # the guest reads slowly: wait for room
                continue
            except OSError:
                return
            view = view[written:]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            asyncio.get_running_loop().remove_reader(self.master)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        for reader in list(self.readers):
            reader.offer(None)


class SerialPorts:
    """The serial consoles of the runs this server started, by VM name."""

    def __init__(self) -> None:
        self.ports: dict[str, SerialPort] = {}

    def open(self, name: str) -> SerialPort:
        """A new pty for a run of `name` about to start (replacing a dead one)."""
        old = self.ports.pop(name, None)
        if old is not None:
            old.close()
        port = SerialPort(name)
        self.ports[name] = port
        return port

    def get(self, name: str) -> SerialPort | None:
        port = self.ports.get(name)
        return port if port is not None and not port.closed else None

    @contextlib.contextmanager
    def closed_on_error(self, port: SerialPort | None) -> Iterator[None]:
        """Around the spawn of `tart run`: a run that did not start has no console."""
        try:
            yield
        except BaseException:
            if port is not None:
                self.release(port)
            raise

    def release(self, port: SerialPort) -> None:
        """The run that had `port` ended: close it (unless a newer run took the name)."""
        port.close()
        if self.ports.get(port.name) is port:
            del self.ports[port.name]

    def close_all(self) -> None:
        for port in list(self.ports.values()):
            port.close()
        self.ports.clear()
