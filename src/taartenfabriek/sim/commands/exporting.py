"""`tart export <name> [<path>]`: write the VM to a `.tvm` file.

Real Tart writes an LZFSE Apple Archive; the sim writes its own small JSON document (config,
NVRAM, disk size; disks are sparse, so no disk contents), which `tart import` reads back.
"""

from __future__ import annotations

import base64
import os
import sys
import time

from .. import knobs, localstore, ocistore
from ..argspec import Namespace, Spec, arg
from ..files import read_bytes, write_atomic
from ..names import try_parse
from ..output import json_pretty, out

SPEC = Spec(
    "export",
    "Export VM to a compressed .tvm file",
    [arg("name", "Source VM name."), arg("path", "Path to the destination file.", optional=True)],
)
FORMAT = "tart-sim-tvm/1"


def run(ns: Namespace) -> int:
    name = str(ns.name)
    out("exporting...")
    remote = try_parse(name)
    vm = ocistore.open_image(remote) if remote is not None else localstore.open_vm(name)
    vm.touch()
    path = ns.path if isinstance(ns.path, str) else f"{os.path.basename(name)}.tvm"
    if ns.path is None and os.path.exists(path):
        sys.stdout.write(
            f"file {path} already exists, are you sure you want to overwrite it? (yes, [no])? "
        )
        sys.stdout.flush()
        if sys.stdin.readline().strip() != "yes":
            return 0
    # Tart opens the destination with .create/.truncate before it archives
    # (Sources/tart/VMDirectory+Archive.swift exportToArchive), so a cancelled export leaves a
    # truncated file behind; TART_SIM_EXPORT_SECONDS makes that window visible.
    with open(path, "wb"):
        pass
    time.sleep(knobs.seconds("TART_SIM_EXPORT_SECONDS", 0.0))
    document = {
        "format": FORMAT,
        "config": vm.config(),
        "nvram": base64.b64encode(read_bytes(vm.nvram_path)).decode(),
        "diskSize": os.stat(vm.disk_path).st_size,
        "allocated": vm.allocated_bytes(),
        "suspended": vm.suspended_snapshot(),
    }
    write_atomic(path, (json_pretty(document) + "\n").encode())
    return 0
