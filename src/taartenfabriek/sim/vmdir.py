"""One VM bundle on disk (a local `vms/<name>/` or an OCI `sha256:<hex>/` directory).

State, sizes and access dates exactly as Tart derives them (§3, §5 get/list). Imports
`locks`, `vmconfig`, `files`.
"""

from __future__ import annotations

import os

from . import vmconfig
from .files import set_access_time
from .locks import holder_pid

ALLOCATED_SIDECAR = ".sim-allocated"


class VMDir:
    __slots__ = ("name", "path")

    def __init__(self, path: str, name: str = "") -> None:
        self.path = path
        self.name = name or os.path.basename(path)

    # --- paths ----------------------------------------------------------------------------

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    @property
    def config_path(self) -> str:
        return self.file("config.json")

    @property
    def disk_path(self) -> str:
        return self.file("disk.img")

    @property
    def nvram_path(self) -> str:
        return self.file("nvram.bin")

    @property
    def state_path(self) -> str:
        return self.file("state.vzvmsave")

    # --- facts ----------------------------------------------------------------------------

    def exists(self) -> bool:
        return os.path.isdir(self.path)

    def initialized(self) -> bool:
        return all(os.path.isfile(p) for p in (self.config_path, self.disk_path, self.nvram_path))

    def config(self) -> dict[str, object]:
        return vmconfig.load(self.config_path)

    def save_config(self, config: dict[str, object]) -> None:
        vmconfig.save(self.config_path, config)

    def pid(self) -> int:
        """PID of the process holding the VM lock (a `tart run` or `tart push`), or 0."""
        return holder_pid(self.config_path)

    def running(self) -> bool:
        return self.pid() != 0

    def suspended_snapshot(self) -> bool:
        return os.path.exists(self.state_path)

    def state(self) -> str:
        if self.running():
            return "running"
        if self.suspended_snapshot():
            return "suspended"
        return "stopped"

    def apparent_bytes(self) -> int:
        return sum(
            _stat(path, blocks=False)
            for path in (self.config_path, self.disk_path, self.nvram_path)
        )

    def allocated_bytes(self) -> int:
        """Allocated bytes of the three files; disk.img's is simulated by `.sim-allocated`."""
        total = _stat(self.config_path, blocks=True) + _stat(self.nvram_path, blocks=True)
        try:
            with open(self.file(ALLOCATED_SIDECAR), "rb") as handle:
                return total + int(handle.read().strip() or 0)
        except (OSError, ValueError):
            return total + _stat(self.disk_path, blocks=True)

    def disk_gb(self) -> int:
        return self.apparent_bytes() // 1_000_000_000

    def allocated_gb(self) -> int:
        return self.allocated_bytes() // 1_000_000_000

    def access_time(self) -> float:
        try:
            return os.stat(self.path).st_atime
        except OSError:
            return 0.0

    def touch(self) -> None:
        set_access_time(self.path)


def _stat(path: str, *, blocks: bool) -> int:
    """Allocated (`blocks`) or apparent size of a file, 0 when it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return 0
    return info.st_blocks * 512 if blocks else info.st_size


def write_allocated(directory: str, size: int) -> None:
    with open(os.path.join(directory, ALLOCATED_SIDECAR), "w") as handle:
        handle.write(f"{size}\n")
