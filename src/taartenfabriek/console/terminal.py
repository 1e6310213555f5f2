"""`tart exec -i -t <vm> <shell>` on a pseudo-terminal, read and written from asyncio.

The pty is raw on our side (the guest's own pty does echo and line editing), its size is the
browser's, and a resize is TIOCSWINSZ plus a SIGWINCH to `tart exec` (the pty is not its
controlling terminal, so the kernel would not send one). Tart's own errors arrive on a
separate pipe, so "not running" or "no guest agent" can be told apart from the guest's output;
they are shown in the terminal too. Output is one bounded queue: when the browser reads slowly
the pty fills and the guest command waits, nothing piles up here.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
import tty
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .endpoints import ConsoleUnavailable


class ExecSpawner(Protocol):
    """`tart exec -i -t <name> <command>` on `pty` (tart/spawn.py `exec_on_pty`, bound to the
    tart executable by the assembly)."""

    async def __call__(
        self, name: str, command: Sequence[str], env: Mapping[str, str], *, pty: int
    ) -> asyncio.subprocess.Process: ...


READ_CHUNK = 64 * 1024
QUEUE_CHUNKS = 8
STDERR_KEPT = 8 * 1024
DRAIN_AFTER_EXIT = 1.0
"""Seconds to keep reading output after `tart exec` exited (a child may still hold the pty)."""
KILL_GRACE = 2.0

DEFAULT_SHELL = (
    "export TERM=xterm-256color COLORTERM=truecolor; "
    'exec "${SHELL:-$(command -v zsh || command -v bash || echo /bin/sh)}" -l'
)
"""Run by `/bin/sh -c` in the guest: the user's login shell ($SHELL), else zsh (macOS), else
bash (most Linux images), else sh; TERM matches what xterm.js emulates."""


async def _wait_fd(fd: int, *, write: bool = False) -> None:
    """Until `fd` (non-blocking) can be read, or written."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    if write:
        loop.add_writer(fd, wake)
    else:
        loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)


def winsize(cols: int, rows: int) -> bytes:
    return struct.pack("HHHH", rows, cols, 0, 0)


class Shell(Protocol):
    """A shell in a VM, as the terminal socket drives it: `tart exec` here, or Orchard's exec."""

    async def read(self) -> bytes:
        """The next output; b"" once the command has ended."""
        ...

    async def write(self, data: bytes) -> None: ...

    async def resize(self, cols: int, rows: int) -> None: ...

    async def wait(self) -> int:
        """The command's exit code, once `read` returned b""."""
        ...

    def failure(self) -> tuple[str, str] | None:
        """(kind, sentence) when the shell could not run for a reason the user can act on."""
        ...

    async def close(self) -> None: ...


class TerminalProcess:
    """`tart exec -i -t` on a pty: a `Shell` on this Mac."""

    def __init__(self, process: asyncio.subprocess.Process, master: int, name: str) -> None:
        self.process = process
        self.master = master
        self.name = name
        self.stderr = bytearray()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_CHUNKS)
        self._readers = [
            asyncio.create_task(self._read_pty()),
            asyncio.create_task(self._read_stderr()),
        ]
        self._closer = asyncio.create_task(self._end_of_output())
        self._closed = False

    @classmethod
    async def start(
        cls,
        name: str,
        spawner: ExecSpawner,
        command: Sequence[str],
        env: Mapping[str, str],
        *,
        cols: int,
        rows: int,
    ) -> TerminalProcess:
        """`tart exec` of `command` in VM `name`; the driver builds and spawns the command line
        (an option-like name is refused there: tart/argv.py `exec_`)."""
        master, slave = os.openpty()
        try:
            tty.setraw(slave)
            fcntl.ioctl(slave, termios.TIOCSWINSZ, winsize(cols, rows))
            os.set_blocking(master, False)
            process = await spawner(name, command, env, pty=slave)
        except (FileNotFoundError, PermissionError) as exc:
            os.close(master)
            raise ConsoleUnavailable("unsupported", f"tart cannot be started: {exc}") from exc
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        return cls(process, master, name)

    # --- output ------------------------------------------------------------------------

    async def _read_pty(self) -> None:
        while True:
            try:
                data = os.read(self.master, READ_CHUNK)
            except BlockingIOError:
                await _wait_fd(self.master)
                continue
            except OSError:  # EIO: every holder of the other side has closed it
                return
            if not data:
                return
            await self._queue.put(data)

    async def _read_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        while data := await stream.read(READ_CHUNK):
            self.stderr += data
            del self.stderr[:-STDERR_KEPT]
            # not through a tty: make its line ends a terminal's
            await self._queue.put(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    async def _end_of_output(self) -> None:
        readers = asyncio.gather(*self._readers, return_exceptions=True)
        exited = asyncio.ensure_future(self.process.wait())
        either: list[asyncio.Future[Any]] = [readers, exited]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not readers.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(readers), DRAIN_AFTER_EXIT)
            for reader in self._readers:
                reader.cancel()
        await self._queue.put(None)

    async def read(self) -> bytes:
        """The next chunk of output; b"" once there is no more (the command ended)."""
        chunk = await self._queue.get()
        if chunk is None:
            self._queue.put_nowait(None)  # later reads see the end too
            return b""
        return chunk

    # --- input -------------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._closed:
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                await _wait_fd(self.master, write=True)
                continue
            except OSError:
                return  # the command is gone; its exit is reported by the output side
            view = view[written:]

    async def resize(self, cols: int, rows: int) -> None:
        if self._closed:
            return
        with contextlib.suppress(OSError):
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, winsize(cols, rows))
        with contextlib.suppress(ProcessLookupError):
            if self.process.returncode is None:
                os.kill(self.process.pid, signal.SIGWINCH)

    # --- end ---------------------------------------------------------------------------

    async def wait(self) -> int:
        return await self.process.wait()

    def failure(self) -> tuple[str, str] | None:
        if self.process.returncode in (None, 0):
            return None
        return explain_exec_failure(self.name, self.stderr.decode("utf-8", "replace"))

    async def close(self) -> None:
        """Hang up: SIGHUP to `tart exec`'s process group, SIGKILL if it lingers."""
        if self._closed:
            return
        if self.process.returncode is None:
            self._signal(signal.SIGHUP)
            try:
                await asyncio.wait_for(self.process.wait(), KILL_GRACE)
            except TimeoutError:
                self._signal(signal.SIGKILL)
                await self.process.wait()
        self._closed = True
        for task in (*self._readers, self._closer):
            task.cancel()
        await asyncio.gather(*self._readers, self._closer, return_exceptions=True)
        os.close(self.master)

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


def explain_exec_failure(name: str, stderr: str) -> tuple[str, str] | None:
    """(kind, sentence) for the `tart exec` failures a user can act on; None for others."""
    if "is not running" in stderr:
        return "not_running", f"{name} is not running: start it to open a terminal."
    if "Guest Agent" in stderr or "control socket" in stderr:
        return "no_agent", (
            f"The Tart Guest Agent in {name} does not answer. If the VM has just started, "
            "wait until its guest has booted and try again; otherwise the image has no agent "
            "(Cirrus Labs images have it, except the -vanilla ones): install "
            "tart-guest-agent in the guest, or use SSH."
        )
    if "only available on macOS" in stderr:
        return "unsupported", "tart exec needs macOS 14 (Sonoma) or newer on this Mac."
    if "does not exist" in stderr:
        return "not_found", f"{name} does not exist."
    return None
