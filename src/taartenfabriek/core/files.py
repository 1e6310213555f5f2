"""Writing the server's own state files: whole or not at all, readable by the user alone.

A crash or a full disk in the middle of a write must leave the previous file, not half of
the new one (the VM records, the registry logins, the catalog cache), and a file that names
registries or holds VM notes is nobody else's business: mode 0600 from the first byte, as
for the token (secrets.py).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (a temporary file beside it, then `rename`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    try:
        # mkstemp makes it 0600 already; say so for a reader, and for a umask-less platform
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
