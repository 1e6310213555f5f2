"""`tart stop <name> [-t|--timeout N]` (§5 stop): SIGINT the `tart run`, poll every 100 ms,
SIGKILL after the timeout; a suspended VM just loses its snapshot."""

from __future__ import annotations

import os
import time

from .. import localstore
from ..argspec import Namespace, Spec, arg, opt
from ..errors import TartError, not_running
from ..files import discard

SPEC = Spec(
    "stop",
    "Stop a VM",
    [
        arg("name", "VM name"),
        opt(
            "--timeout",
            "Seconds to wait for graceful termination before forcefully terminating the VM",
            short="t",
            type="uint64",
            default=30,
        ),
    ],
)
TICK = 0.1


def _send(pid: int, signum: int) -> OSError | None:
    try:
        os.kill(pid, signum)
    except OSError as error:
        return error
    return None


def run(ns: Namespace) -> int:
    import signal

    name = str(ns.name)
    vm = localstore.open_vm(name)
    vm.touch()
    state = vm.state()
    if state == "suspended":
        discard(vm.state_path)
        return 0
    pid = vm.pid()
    if state != "running" or pid == 0:
        raise not_running(name)
    # Tart ignores a failure here: the VM may already be on its way out.
    _send(pid, signal.SIGINT)
    timeout = ns.timeout
    assert isinstance(timeout, int)
    remaining = float(timeout)
    while remaining > 0:
        current = vm.pid()
        if current == 0:
            return 0
        pid = current
        time.sleep(TICK)
        remaining -= TICK
    failure = _send(pid, signal.SIGKILL)
    if failure is not None:
        reason = os.strerror(failure.errno or 0)
        raise TartError(f'failed to forcefully terminate the VM "{name}": {reason}')
    return 0
