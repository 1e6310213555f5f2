"""`tart rename <name> <new-name>` (§5 rename): every refusal is a 64-coded ValidationError."""

from __future__ import annotations

import os

from .. import localstore
from ..argspec import Namespace, Spec, arg
from ..errors import ValidationError

SPEC = Spec("rename", "Rename a local VM", [arg("name", "VM name"), arg("new_name", "new VM name")])


def validate(ns: Namespace) -> None:
    if "/" in str(ns.new_name):
        raise ValidationError("<new-name> should be a local name")


def run(ns: Namespace) -> int:
    name, new_name = str(ns.name), str(ns.new_name)
    if not localstore.exists(name):
        raise ValidationError(f"failed to rename a non-existent local VM: {name}", root=True)
    source = localstore.resolve(name)
    target = localstore.resolve(new_name)
    if target.initialized() and target.path != source.path:
        raise ValidationError(
            f"failed to rename VM {name}, target VM {new_name} already exists, delete it first!",
            root=True,
        )
    # No running check: like Tart, a running VM can be renamed under its `tart run`.
    os.rename(source.path, os.path.join(os.path.dirname(source.path), new_name))
    return 0
