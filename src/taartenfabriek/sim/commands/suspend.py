"""`tart suspend <name>` (§5 suspend): SIGUSR1 to the `tart run`, without waiting."""

from __future__ import annotations

import os

from .. import localstore
from ..argspec import Namespace, Spec, arg
from ..errors import TartError

SPEC = Spec("suspend", "Suspend a VM", [arg("name", "VM name")])


def run(ns: Namespace) -> int:
    import signal

    name = str(ns.name)
    vm = localstore.open_vm(name)
    pid = vm.pid()
    if pid == 0:
        # Tart wraps an already formatted message into VMNotRunning again (a real bug).
        raise TartError(f'VM "VM "{name}" is not running" is not running', 2)
    try:
        os.kill(pid, signal.SIGUSR1)
    except OSError:
        raise TartError(
            "Failed to suspend the VM: failed to send SIGUSR1 signal to the "
            f'"tart run" process running VM "{name}"'
        ) from None
    return 0
