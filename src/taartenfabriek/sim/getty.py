"""The simulated Linux guest's serial console: a few boot lines, then a tiny getty on the
`--serial-path` pty (`login:`, any user, any password) and a shell that answers a handful of
commands. A thread of the `tart run` process; it ends when the pty goes away (the host side
closed it) while the VM itself keeps running, like a real guest whose console nobody reads.

The terminal is raw on the host's side, so this guest echoes and edits lines itself, as a
Linux tty in cooked mode would.
"""

from __future__ import annotations

import os
import re
import threading
import time

BOOT_LINES = (
    "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x610f0000]",
    "[    0.000000] Linux version 6.8.0-tart-sim (tart-sim) #1 SMP aarch64",
    "[    0.000000] Kernel command line: console=hvc0 root=/dev/vda1",
    "[    1.204511] virtio_console virtio1: hvc0 registered",
    "",
    "Ubuntu 24.04 LTS (tart-sim) {host} hvc0",
    "",
)


def _hostname(name: str) -> str:
    """The VM's name as a hostname (an OCI name or odd characters would not be one)."""
    host = re.sub(r"[^A-Za-z0-9-]+", "-", name.rsplit("/", 1)[-1].split(":")[0]).strip("-")
    return host[:63] or "linux"


class Getty:
    def __init__(self, fd: int, name: str) -> None:
        self.fd = fd
        self.host = _hostname(name)
        self.user: str | None = None
        self.stage = "login"
        self.line = bytearray()

    def write(self, text: str) -> None:
        data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def prompt(self) -> None:
        if self.stage == "login":
            self.write(f"{self.host} login: ")
        elif self.stage == "password":
            self.write("Password: ")
        else:
            self.write(f"{self.user}@{self.host}:~$ ")

    def boot(self, after: float) -> None:
        time.sleep(max(0.0, after))
        for line in BOOT_LINES:
            self.write(line.format(host=self.host) + "\n")
        self.prompt()

    def feed(self, data: bytes) -> None:
        for byte in data:
            if byte in (13, 10):
                self.write("\n")
                line = self.line.decode("utf-8", "replace")
                self.line.clear()
                self.enter(line)
            elif byte in (127, 8):
                if self.line:
                    self.line.pop()
                    if self.stage != "password":
                        self.write("\b \b")
            elif byte == 3:  # Ctrl+C
                self.line.clear()
                self.write("^C\n")
                self.prompt()
            elif byte == 4 and not self.line and self.stage == "shell":  # Ctrl+D
                self.enter("logout")
            elif byte >= 32:
                self.line.append(byte)
                if self.stage != "password":
                    os.write(self.fd, bytes([byte]))

    def enter(self, line: str) -> None:
        if self.stage == "login":
            if line.strip():
                self.user = line.strip()
                self.stage = "password"
        elif self.stage == "password":
            self.stage = "shell"
            self.write(f"Welcome to Ubuntu 24.04 LTS (tart-sim on {self.host})\n\n")
        else:
            self.run(line.strip())
        self.prompt()

    def run(self, command: str) -> None:
        words = command.split()
        if not words:
            return
        verb, args = words[0], words[1:]
        if verb in ("exit", "logout"):
            self.write("logout\n\n")
            self.stage, self.user = "login", None
        elif verb == "uname":
            kernel = "Linux"
            if "-a" in args:
                kernel = f"Linux {self.host} 6.8.0-tart-sim #1 SMP aarch64 GNU/Linux"
            elif "-m" in args:
                kernel = "aarch64"
            self.write(kernel + "\n")
        elif verb == "echo":
            self.write(" ".join(args) + "\n")
        elif verb == "whoami":
            self.write(f"{self.user}\n")
        elif verb == "hostname":
            self.write(f"{self.host}\n")
        elif verb == "tty":
            self.write("/dev/hvc0\n")
        else:
            self.write(f"-bash: {verb}: command not found\n")

    def serve(self, boot_after: float) -> None:
        try:
            self.boot(boot_after)
            while data := os.read(self.fd, 1024):
                self.feed(data)
        except OSError:
            return  # the host closed its side: the console is gone, the VM runs on


def start(fd: int, name: str, boot_after: float) -> threading.Thread:
    """Serve a login on the serial `fd` in a daemon thread, after `boot_after` seconds."""
    thread = threading.Thread(
        target=Getty(fd, name).serve, args=(boot_after,), name="getty", daemon=True
    )
    thread.start()
    return thread
