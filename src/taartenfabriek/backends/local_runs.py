"""What a `tart run` this server started printed: its log's tail and its VNC URL."""

from __future__ import annotations

import re
from pathlib import Path

from ..tart.parse import vnc_url

_USERINFO_RE = re.compile(r"^vnc://[^@/]*@")


def read_tail(path: Path, limit: int = 65536) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def find_vnc_url(path: Path) -> str | None:
    """The run's VNC URL without its password (`vnc://:<pw>@127.0.0.1:<port>` of
    `--vnc-experimental` -> `vnc://127.0.0.1:<port>`): task results are not secret; the
    password goes to the UI only through GET /api/vms/{name}/console."""
    for line in reversed(read_tail(path).splitlines()):
        url = vnc_url(line)
        if url is not None:
            return _USERINFO_RE.sub("vnc://", url)
    return None
