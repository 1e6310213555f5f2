"""`tart exec [-i] [-t] <name> <command> [args...]` (§5 exec).

The sim has no guest: the command runs on the host, in `vms/<name>/.sim-guest/`, and its exit
code becomes ours. `-i` passes stdin through, `-t` runs it on a pseudo-terminal. Fails like
Tart when the VM is not running or (before boot / TART_SIM_NO_AGENT) no agent answers.
"""

from __future__ import annotations

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


def _run_tty(command: list[str], cwd: str, interactive: bool) -> int:
    import pty
    import select

    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.chdir(cwd)
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    sources = [master] + ([sys.stdin.fileno()] if interactive else [])
    while True:
        ready, _, _ = select.select(sources, [], [])
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            os.write(sys.stdout.fileno(), data)
        if interactive and sys.stdin.fileno() in ready:
            data = os.read(sys.stdin.fileno(), 65536)
            if data:
                os.write(master, data)
            else:
                os.write(master, b"\x04")
                sources.remove(sys.stdin.fileno())
    os.close(master)
    _pid, status = os.waitpid(pid, 0)
    return _status(os.waitstatus_to_exitcode(status))


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
