"""`tart set <name> ...` (§5 set): CPU, memory (MB), display, MAC, serial, disk, disk size.

No running check; the config is saved (in place) before any disk operation.
"""

from __future__ import annotations

import os

from .. import home, localstore, vmconfig
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import PlainError, TartError
from ..files import discard, new_uuid, sparse_copy
from ..output import byte_count
from ..vmdir import ALLOCATED_SIDECAR

SPEC = Spec(
    "set",
    "Modify VM's configuration",
    [
        arg("name", "VM name"),
        opt("--cpu", "Number of VM CPUs", type="uint16"),
        opt("--memory", "VM memory size in megabytes", type="uint64"),
        opt(
            "--display",
            "VM display resolution in a format of WIDTHxHEIGHT[pt|px]. For "
            "example, 1200x800, 1200x800pt or 1920x1080px",
        ),
        flag(
            "--display-refit",
            "Whether to automatically reconfigure the VM's display to fit the window",
            dest="display_refit",
            default=None,
            store=True,
        ),
        flag(
            "--no-display-refit",
            "Whether to automatically reconfigure the VM's display to fit the window",
            dest="display_refit",
            default=None,
            store=False,
        ),
        flag("--random-mac", "Generate a new random MAC address for the VM."),
        flag("--random-serial", "Generate a new random serial number for the macOS VM."),
        opt(
            "--disk",
            "Replace the VM's disk contents with the disk contents at path.",
            value_name="path",
        ),
        opt(
            "--disk-size",
            "Resize the VMs disk to the specified size in GB (note that the disk "
            "size can only be increased to avoid losing data)",
            type="uint16",
        ),
    ],
)

# Virtualization.framework's own floors (minimumAllowedCPUCount / ...MemorySize; memory unsure).
FRAMEWORK_MIN_CPU = 1
FRAMEWORK_MIN_MEMORY = 128 * 1024 * 1024


def _check_minimum(
    config: dict[str, object], value: int, *, image_minimum: str, framework: int, unit: str
) -> None:
    """Tart refuses less than the macOS image's own minimum (`cpuCountMin`/`memorySizeMin`)
    and less than Virtualization.framework's, with the same sentence for both."""
    minimum = vmconfig.number(config, image_minimum)
    for floor, applies in ((minimum, vmconfig.os_of(config) == "darwin"), (framework, True)):
        if applies and value < floor:
            raise PlainError(
                "LessThanMinimalResourcesError: VM should have "
                f"{floor} {unit} at minimum (requested {value})"
            )


def _set_cpu(config: dict[str, object], cpu: int) -> None:
    _check_minimum(
        config, cpu, image_minimum="cpuCountMin", framework=FRAMEWORK_MIN_CPU, unit="CPU cores"
    )
    config["cpuCount"] = cpu


def _set_memory(config: dict[str, object], memory: int) -> None:
    _check_minimum(
        config,
        memory,
        image_minimum="memorySizeMin",
        framework=FRAMEWORK_MIN_MEMORY,
        unit="bytes of memory",
    )
    config["memorySize"] = memory


def _set_display(config: dict[str, object], argument: str) -> None:
    unit = None
    for suffix in ("pt", "px"):
        if argument.endswith(suffix):
            unit, argument = suffix, argument[: -len(suffix)]
    parts = argument.split("x")
    numbers = [int(part) if part.isdigit() else 0 for part in parts[:2]] + [0, 0]
    current = config.get("display")
    display = dict(current) if isinstance(current, dict) else dict(vmconfig.DEFAULT_DISPLAY)
    if numbers[0] > 0:
        display["width"] = numbers[0]
    if numbers[1] > 0:
        display["height"] = numbers[1]
    display.pop("unit", None)
    if unit is not None:
        display["unit"] = unit
    config["display"] = display


def _resize(disk_path: str, size_gb: int) -> None:
    current = os.stat(disk_path).st_size
    target = size_gb * 1_000_000_000
    if target < current:
        raise TartError(
            f"new disk size of {byte_count(target)} should be larger than the current disk "
            f"size of {byte_count(current)}"
        )
    if target > current:
        os.truncate(disk_path, target)


def run(ns: Namespace) -> int:
    vm = localstore.open_vm(str(ns.name))
    config = vm.config()
    vm.touch()
    if isinstance(ns.cpu, int):
        _set_cpu(config, ns.cpu)
    if isinstance(ns.memory, int):
        _set_memory(config, ns.memory * 1024 * 1024)
    if isinstance(ns.display, str):
        _set_display(config, ns.display)
    if ns.display_refit is None:
        config.pop("displayRefit", None)
    else:
        config["displayRefit"] = bool(ns.display_refit)
    if ns.random_mac:
        config["macAddress"] = vmconfig.random_mac()
    if ns.random_serial and vmconfig.os_of(config) == "darwin":
        config["ecid"] = vmconfig.random_ecid()
    vm.save_config(config)

    if isinstance(ns.disk, str):
        source = os.path.expanduser(ns.disk)
        if not os.path.isfile(source):
            raise PlainError(
                f"“{os.path.basename(source)}” couldn’t be copied because there is no such file."
            )
        staging = os.path.join(home.tmp_dir(), f"set-disk-{new_uuid()}")
        sparse_copy(source, staging)
        os.replace(staging, vm.disk_path)
        discard(vm.file(ALLOCATED_SIDECAR))  # the new disk's real blocks count from now on
    if isinstance(ns.disk_size, int):
        _resize(vm.disk_path, ns.disk_size)
    return 0
