"""`tart fqn <name>` (hidden): a cached remote name as `host/ns@sha256:<hex>`, else as is."""

from __future__ import annotations

from .. import ocistore
from ..argspec import Namespace, Spec, arg
from ..errors import TartError
from ..names import try_parse
from ..output import out

SPEC = Spec("fqn", "Get a fully-qualified VM name", [arg("name", "VM name")])


def run(ns: Namespace) -> int:
    name = str(ns.name)
    remote = try_parse(name)
    if remote is None:
        out(name)
        return 0
    digest = ocistore.linked_digest(remote)
    if digest is None:
        raise TartError(
            f"OCI storage error: {remote} is not a digest and doesn't point to a digest"
        )
    out(str(remote.with_digest(digest)))
    return 0
