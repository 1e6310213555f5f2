"""Our own `tart get` does not count as using a VM."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from taartenfabriek.tart.accessdates import kept_access_date, reading_keeps_access_date, vm_dir


def test_reading_a_config_keeps_the_access_date(tmp_path: Path) -> None:
    folder = tmp_path / "vms" / "dev"
    folder.mkdir(parents=True)
    os.utime(folder, (1_000_000, 2_000_000))
    with kept_access_date(tmp_path, "dev"):
        os.utime(folder, None)  # what `tart get` does
    assert folder.stat().st_atime == 1_000_000
    assert vm_dir(tmp_path, "../x") is None and vm_dir(None, "dev") is None
    with kept_access_date(tmp_path, "missing"):
        pass


@pytest.mark.anyio
async def test_overlapping_reads_of_one_vm_keep_its_date(tmp_path: Path) -> None:
    """Two reads at once: without taking turns, the second notes the date the first one's
    `tart get` set (today) and puts that back last."""
    folder = tmp_path / "vms" / "dev"
    folder.mkdir(parents=True)
    os.utime(folder, (1_000_000, 2_000_000))

    async def read(begins: float) -> None:
        await asyncio.sleep(begins)
        async with reading_keeps_access_date(tmp_path, "dev"):
            os.utime(folder, None)  # what `tart get` does
            await asyncio.sleep(0.05)

    await asyncio.gather(read(0), read(0.02))
    assert folder.stat().st_atime == 1_000_000
    async with reading_keeps_access_date(tmp_path, "../x"):
        pass
