"""`tart import <path> <name>`: read a `.tvm` written by the sim's `tart export`."""

from __future__ import annotations

import base64
import os
import time

from .. import home, knobs, localstore, vmconfig
from ..argspec import Namespace, Spec, arg
from ..errors import PlainError, TartError, ValidationError
from ..files import create_sparse, new_uuid, read_bytes, remove
from ..jsonread import loads
from ..locks import FileLock
from ..output import out
from ..vmdir import write_allocated
from .exporting import FORMAT

SPEC = Spec(
    "import",
    "Import VM from a compressed .tvm file",
    [
        arg("path", 'Path to a file created with "tart export".'),
        arg("name", "Destination VM name."),
    ],
)


def validate(ns: Namespace) -> None:
    if "/" in str(ns.name):
        raise ValidationError("<name> should be a local name")


def run(ns: Namespace) -> int:
    out("importing...")
    path = os.path.expanduser(str(ns.path))
    try:
        document = loads(read_bytes(path))
    except FileNotFoundError:
        base = os.path.basename(path)
        message = f"The file “{base}” couldn’t be opened because there is no such file."
        raise PlainError(message) from None
    except ValueError:
        document = None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TartError("VM import failed: not a .tvm file exported by tart-sim")
    config = document["config"]
    assert isinstance(config, dict)
    staging, lock = home.staging(new_uuid())
    try:
        time.sleep(knobs.seconds("TART_SIM_IMPORT_SECONDS", 0.0))
        with open(os.path.join(staging, "nvram.bin"), "wb") as handle:
            handle.write(base64.b64decode(str(document.get("nvram", ""))))
        create_sparse(os.path.join(staging, "disk.img"), int(document.get("diskSize", 0)))
        write_allocated(staging, int(document.get("allocated", 0)))
        if document.get("suspended"):
            create_sparse(os.path.join(staging, "state.vzvmsave"), 1)
        with FileLock(home.tart_home()):
            if localstore.has_mac(vmconfig.mac_of(config)):
                config["macAddress"] = vmconfig.random_mac()
            vmconfig.save(os.path.join(staging, "config.json"), config)
            localstore.install(staging, str(ns.name)).touch()
    finally:
        remove(staging)
        lock.unlock()
    return 0
