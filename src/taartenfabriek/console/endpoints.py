"""Where a VM's screen is, from what the server itself knows, never from a request.

`--vnc-experimental`: the live `tart run` this server started printed
`VNC server is running at vnc://:<password>@127.0.0.1:<port>` into its run log; the endpoint is
that loopback port and password, remembered per run. `--vnc` (or no display flag): the guest's
own Screen Sharing at the VM's IP from the inventory, port 5900. A request names only the VM.
"""

from __future__ import annotations

import errno
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from ..care.runlogs import RunInfo
from ..core.logs import register_secret
from .models import ConsoleMode

SCREEN_SHARING_PORT = 5900
LOG_HEAD_BYTES = 64 * 1024
"""Tart prints the VNC URL first thing; it is looked for only at the start of the run log."""

_EXPERIMENTAL_RE = re.compile(
    r"vnc://:(?P<password>[^@\s/]+)@(?P<host>127\.0\.0\.1|\[::1\]|localhost):(?P<port>\d{1,5})"
    r"(?!\d)"
)
LOOPBACK = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1", "[::1]": "::1"}


class ConsoleUnavailable(Exception):
    """The console or terminal cannot open now; `kind` is a key of `models.CLOSE_CODES`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class VncEndpoint:
    mode: ConsoleMode
    host: str
    port: int
    password: str
    username: str | None = None
    run: RunInfo | None = None
    """The live `tart run` whose VNC server this is (`vnc-experimental`)."""
    via: str | None = None
    """Set when the connection goes through someone else (Orchard's port-forward)."""

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" + (f" via {self.via}" if self.via else "")


def experimental_url(text: str) -> tuple[str, int, str] | None:
    """(host, port, password) of the first `vnc://:<pw>@<loopback>:<port>` in `text`."""
    match = _EXPERIMENTAL_RE.search(text)
    if match is None:
        return None
    port = int(match["port"])
    if not 0 < port < 65536:
        return None
    return LOOPBACK[match["host"]], port, match["password"]


def guest_address(ip: str | None) -> str | None:
    """The inventory's IP as an address to connect to; None unless it is an IP literal."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


class ExperimentalEndpoints:
    """`--vnc-experimental` endpoints read from run logs, remembered per run."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[str, int, str]] = {}

    def find(self, run: RunInfo) -> tuple[str, int, str] | None:
        known = self._known.get(run.path)
        if known is not None:
            return known
        try:
            with open(run.path, "rb") as handle:
                head = handle.read(LOG_HEAD_BYTES).decode("utf-8", "replace")
        except OSError:
            return None
        found = experimental_url(head)
        if found is not None:
            register_secret(found[2])  # from now on no log line can show it
            if len(self._known) > 256:
                self._known.clear()
            self._known[run.path] = found
        return found


def local_network_advice(exc: BaseException, address: str) -> str | None:
    """Why a guest's IP did not answer, when it may be macOS 15's Local Network privacy: the
    host process that connects to a VM's private IP (this server) needs that permission, and
    a refusal looks like "no route to host" or a connection that never completes (Tart
    `docs/faq.md:80-93`, which also gives the non-interactive workaround)."""
    if isinstance(exc, TimeoutError):
        what = "timed out"
    elif isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        what = "no route to host"
    else:
        return None
    return (
        f"could not reach the guest at {address} ({what}). On macOS 15 or later this is "
        "usually the Local Network permission: allow it for the app that runs this server "
        "(System Settings > Privacy & Security > Local Network), or, as Tart's FAQ shows, "
        "exempt the VMs' private ranges: sudo defaults write com.apple.network.local-network "
        'AllowedEthernetLocalNetworkAddresses -array "10.0.0.0/8" "172.16.0.0/12" '
        '"192.168.0.0/16" (and the same for AllowedWiFiLocalNetworkAddresses), then restart '
        "the Mac"
    )
