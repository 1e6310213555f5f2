"""`tart exec [-i] [-t] <name> <command> [args...]` (§5 exec).

The sim has no guest: the command runs on the host, in `vms/<name>/.sim-guest/`, and its exit
code becomes ours. `-i` passes stdin through, `-t` runs it on a pseudo-terminal (sized like
ours; our terminal goes raw with `-i`; SIGWINCH passes a new size on, as Tart does). Fails like
Tart when the VM is not running or (before boot / TART_SIM_NO_AGENT) no agent answers.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

from .. import knobs, localstore, network
from ..argspec import Namespace, Spec, arg, flag
from ..errors import TartError, not_running

SPEC = Spec(
    "exec",
    "Execute a command in a running VM",
    [
        flag(
            None, "Attach host's standard input to a remote command", short="i", dest="interactive"
        ),
        flag(None, "Allocate a remote pseudo-terminal (PTY)", short="t", dest="tty"),
        arg("name", "VM name"),
        arg("command", "Command to execute", repeating=True, passthrough=True),
    ],
)
GUEST_DIR = ".sim-guest"


def _status(code: int) -> int:
    # A guest process killed by a signal reports -1, which Tart exits with (255) (unsure).
    return code if code >= 0 else 255


def _run_plain(command: list[str], cwd: str, interactive: bool) -> int:
    import subprocess

    stdin = None if interactive else subprocess.DEVNULL
    return _status(subprocess.call(command, cwd=cwd, stdin=stdin))


def _copy_window_size(source: int, target: int) -> None:
    import fcntl
    import termios

    try:
        size = fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(target, termios.TIOCSWINSZ, size)
    except OSError:
        pass


def _run_tty(command: list[str], cwd: str, interactive: bool) -> int:
    """`-t`: the command gets its own pty, sized like ours; when our stdin is a terminal it goes
    raw (keys pass through as bytes, the remote pty does the echo) and SIGWINCH resizes."""
    import fcntl
    import pty
    import signal
    import termios
    import tty

    stdin = sys.stdin.fileno()
    size = None
    if os.isatty(stdin):
        with contextlib.suppress(OSError):
            size = fcntl.ioctl(stdin, termios.TIOCGWINSZ, b"\0" * 8)
    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            # sized before the command starts (its pty is our stdin now): the parent's copy
            # below could come too late for a command that asks at once (`stty size`)
            if size is not None:
                with contextlib.suppress(OSError):
                    fcntl.ioctl(0, termios.TIOCSWINSZ, size)
            os.chdir(cwd)
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    saved = None
    if os.isatty(stdin):
        _copy_window_size(stdin, master)
        signal.signal(signal.SIGWINCH, lambda *_: _copy_window_size(stdin, master))
        if interactive:
            saved = termios.tcgetattr(stdin)
            tty.setraw(stdin, termios.TCSANOW)  # keep what was typed ahead
    try:
        _pump(master, stdin if interactive else None)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
    os.close(master)
    _pid, status = os.waitpid(pid, 0)
    return _status(os.waitstatus_to_exitcode(status))


def _pump(master: int, stdin: int | None) -> None:
    import select

    sources = [master] + ([stdin] if stdin is not None else [])
    while True:
        ready, _, _ = select.select(sources, [], [])
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                return
            try:
                os.write(sys.stdout.fileno(), data)
            except OSError:  # our terminal hung up: closing the pty hangs up the command
                return
        if stdin is not None and stdin in ready:
            try:
                data = os.read(stdin, 65536)
            except OSError:  # a pty whose other side closed
                data = b""
            if data:
                os.write(master, data)
            else:
                os.write(master, b"\x04")
                sources.remove(stdin)
                stdin = None


def run(ns: Namespace) -> int:
    name = str(ns.name)
    command = ns.command
    assert isinstance(command, list)
    vm = localstore.open_vm(name)
    info = network.booted_run(vm)
    if info is None:
        raise not_running(name)
    started, boot = info.get("started_at"), info.get("boot_seconds")
    booted = True
    if isinstance(started, int | float) and isinstance(boot, int | float):
        booted = time.time() >= started + boot
    if not booted or knobs.in_list("TART_SIM_NO_AGENT", name):
        raise TartError(
            "Failed to connect to the VM using its control socket: connection refused, "
            "is the Tart Guest Agent running?"
        )
    cwd = vm.file(GUEST_DIR)
    os.makedirs(cwd, exist_ok=True)
    runner = _run_tty if ns.tty else _run_plain
    try:
        return runner([str(part) for part in command], cwd, bool(ns.interactive))
    except FileNotFoundError:
        raise TartError(f'exec: "{command[0]}": executable file not found in $PATH') from None
