"""Reading a VM's configuration must not count as using it.

Tart marks a VM accessed whenever `get`, `ip`, `run`, `set`, `stop` or `clone` touch it
(tart-cli.md §5 get), and `tart prune --entries vms --older-than` decides by that date. The
server reads every VM's configuration in the background (`tart get`) when it first sees it;
left alone, each server start would make every VM look used today and age-based pruning
would never find anything. So around our own `tart get` we put the directory's access date
back. Nothing else is changed, and any failure leaves Tart's date as Tart set it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def vm_dir(tart_home: Path | None, name: str) -> Path | None:
    """`$TART_HOME/vms/<name>` for a plain local name; None for anything else."""
    if tart_home is None or not name or "/" in name or name in (".", ".."):
        return None
    return tart_home / "vms" / name


@contextlib.contextmanager
def kept_access_date(tart_home: Path | None, name: str) -> Iterator[None]:
    path = vm_dir(tart_home, name)
    before = None
    if path is not None:
        with contextlib.suppress(OSError):
            before = os.stat(path)
    try:
        yield
    finally:
        if path is not None and before is not None:
            with contextlib.suppress(OSError):
                now = os.stat(path)
                if now.st_atime_ns != before.st_atime_ns:
                    os.utime(path, ns=(before.st_atime_ns, now.st_mtime_ns))
