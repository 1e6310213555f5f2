"""The VM lock is a POSIX record lock other processes can see, with the holder's PID (§3.2)."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys

from taartenfabriek.sim.locks import FileLock, holder_pid, try_write_lock
from tests.simtools import TartSim


def test_holder_pid_sees_another_process(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    config = str(tart_sim.vm_dir("vm") / "config.json")
    assert holder_pid(config) == 0
    holder = tart_sim.hold_vm_lock("vm")
    assert holder_pid(config) == holder.pid
    fd = os.open(config, os.O_RDWR)
    try:
        assert not try_write_lock(fd)
    finally:
        os.close(fd)
    holder.kill()
    holder.wait()
    assert holder_pid(config) == 0


def test_the_sims_lock_is_visible_to_a_plain_fcntl_reader(tart_sim: TartSim) -> None:
    """Another program using struct flock directly sees the `tart run` PID too."""
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    code = (
        "import fcntl, os, struct, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "request = struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0)\n"
        "answer = fcntl.fcntl(fd, fcntl.F_GETLK, request)\n"
        "print(struct.unpack('hhqqi4x', answer)[4])\n"
    )
    config = str(tart_sim.vm_dir("vm") / "config.json")
    result = subprocess.run([sys.executable, "-c", code, config], capture_output=True, text=True)
    assert result.stdout == f"{run.pid}\n"
    assert struct.calcsize("hhqqi4x") == 32
    assert fcntl.F_UNLCK != fcntl.F_WRLCK


def test_directory_flock(tmp_path: object) -> None:
    path = str(tmp_path)
    first, second = FileLock(path), FileLock(path)
    assert first.try_lock()
    assert not second.try_lock()
    first.unlock()
    assert second.try_lock()
    second.unlock()
