"""Reading a VM's configuration must not count as using it.

Tart marks a VM accessed whenever `get`, `ip`, `run`, `set`, `stop` or `clone` touch it
(tart-cli.md §5 get; Sources/tart/VMStorageLocal.swift:23, `open` calls `updateAccessDate`),
and `tart prune --entries vms --older-than` decides by that date. The server reads every
VM's configuration in the background (`tart get`) when it first sees it; left alone, each
server start would make every VM look used today and age-based pruning would never find
anything. So around our own `tart get` we put the directory's access date
back. Nothing else is changed, and any failure leaves Tart's date as Tart set it.

Our reads of one VM take turns (`reading_keeps_access_date`): when two overlapped, the second
noted the date the first one's `tart get` had just set (today) and put that back after the
first had restored the real one, so the VM looked used today (a prune preview by age then
chose another VM; seen in test_preview_is_what_tart_prune_removes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

_turns: weakref.WeakValueDictionary[Path, asyncio.Lock] = weakref.WeakValueDictionary()
"""One lock per VM folder while someone reads it (a lock nobody holds or waits on is gone)."""


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


@contextlib.asynccontextmanager
async def reading_keeps_access_date(tart_home: Path | None, name: str) -> AsyncIterator[None]:
    """`kept_access_date` for our own reads of a VM, one at a time per VM (see above)."""
    path = vm_dir(tart_home, name)
    if path is None:
        yield
        return
    turn = _turns.get(path)
    if turn is None:
        turn = _turns[path] = asyncio.Lock()
    async with turn:
        with kept_access_date(tart_home, name):
            yield
