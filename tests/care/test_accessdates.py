"""Our own `tart get` does not count as using a VM."""

from __future__ import annotations

import os
from pathlib import Path

from taartenfabriek.care.accessdates import kept_access_date, vm_dir


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
