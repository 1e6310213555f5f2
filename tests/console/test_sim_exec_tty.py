"""tart-sim's `exec -i -t` on a terminal, as the server's terminal runs it: our pty goes raw,
the command's pty takes our window size, and a SIGWINCH passes a new size on."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time

from tests.simtools import TartSim


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def read_until(fd: int, wanted: bytes, timeout: float = 10) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"never saw {wanted!r}; got {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"EOF before {wanted!r}; got {seen!r}"
            seen += chunk
    return seen


def test_exec_on_a_terminal_is_raw_sized_and_resizable(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.start_vm("vm")
    time.sleep(0.35)
    master, slave = os.openpty()
    set_size(slave, 30, 100)
    script = "stty size; read line; echo got:$line; stty size; exit 5"
    process = subprocess.Popen(
        [str(tart_sim.tart), "exec", "-i", "-t", "vm", "sh", "-c", script],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=tart_sim.env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        read_until(master, b"30 100")
        # our pty is raw now: no local echo, the command's own pty echoes once
        attributes = termios.tcgetattr(master)
        assert not attributes[3] & termios.ECHO
        set_size(master, 40, 120)
        process.send_signal(signal.SIGWINCH)  # as the server does after a resize
        time.sleep(0.2)
        os.write(master, b"hello\r")
        output = read_until(master, b"40 120")
        assert output.count(b"hello") == 2  # the echo, then `got:hello`
        assert b"got:hello" in output
        assert process.wait(10) == 5
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
