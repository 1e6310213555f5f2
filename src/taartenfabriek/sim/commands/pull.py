"""`tart pull <remote-name>` (§5 pull)."""

from __future__ import annotations

from .. import localstore, ocipull
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import TartError, ValidationError
from ..names import RemoteNameError, parse
from ..output import out

SPEC = Spec(
    "pull",
    "Pull a VM from a registry",
    [
        arg("remote_name", "remote VM name"),
        flag("--insecure", "connect to the OCI registry via insecure HTTP protocol"),
        opt(
            "--concurrency",
            "network concurrency to use when pulling a remote VM from the OCI-compatible registry",
            type="uint",
            default=4,
        ),
        flag("--deduplicate", "", hidden=True),
    ],
)


def validate(ns: Namespace) -> None:
    if ns.concurrency == 0:
        raise ValidationError("network concurrency cannot be less than 1")


def run(ns: Namespace) -> int:
    name = str(ns.remote_name)
    if localstore.exists(name):
        out(f'"{name}" is a local image, nothing to pull here!')
        return 0
    try:
        remote = parse(name)
    except RemoteNameError as error:
        raise TartError(f"failed to parse remote name: {error}") from None
    ocipull.pull(remote)
    return 0
