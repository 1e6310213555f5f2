"""`tart logout <host>`: forget the credentials; succeeds even if there were none."""

from __future__ import annotations

from ..argspec import Namespace, Spec, arg
from .login import load_credentials, save_credentials

SPEC = Spec("logout", "Logout from a registry", [arg("host", "host")])


def run(ns: Namespace) -> int:
    credentials = load_credentials()
    if credentials.pop(str(ns.host), None) is not None:
        save_credentials(credentials)
    return 0
