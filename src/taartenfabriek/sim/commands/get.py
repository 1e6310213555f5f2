"""`tart get <name> [--format text|json]`: a VM's configuration (§5 get)."""

from __future__ import annotations

from .. import localstore, vmconfig
from ..argspec import Namespace, Spec, arg, opt
from ..output import json_pretty, out, text_table

FORMAT = opt(
    "--format",
    "Output format: text or json",
    type="choice",
    choices=("text", "json"),
    default="text",
)
SPEC = Spec("get", "Get a VM's configuration", [arg("name", "VM name."), FORMAT])


def run(ns: Namespace) -> int:
    vm = localstore.open_vm(str(ns.name))
    config = vm.config()
    vm.touch()
    state = vm.state()
    info: dict[str, object] = {
        "OS": vmconfig.os_of(config),
        "CPU": vmconfig.number(config, "cpuCount"),
        "Memory": vmconfig.number(config, "memorySize") // 1024 // 1024,
        "Disk": vm.disk_gb(),
        "DiskFormat": vmconfig.disk_format(config),
        "Size": f"{vm.allocated_bytes() / 1e9:.3f}",
        "Display": vmconfig.display_text(config),
        "Running": state == "running",
        "State": state,
    }
    if ns.format == "json":
        out(json_pretty(info))
    else:
        columns = [key for key in info if key != "Running"]
        out(text_table(columns, [[str(info[key]) for key in columns]]))
    return 0
