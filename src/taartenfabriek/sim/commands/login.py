"""`tart login <host> [--username U --password-stdin] [--insecure] [--no-validate]` (§5).

The sim keeps logged-in hosts in `$TART_HOME/.sim-credentials.json` instead of the Keychain.
"""

from __future__ import annotations

import sys

from .. import home, knobs
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import TartError, ValidationError
from ..files import read_bytes, write_atomic
from ..jsonread import loads
from ..output import json_pretty

SPEC = Spec(
    "login",
    "Login to a registry",
    [
        arg("host", "host"),
        opt("--username", "username"),
        flag("--password-stdin", "password-stdin"),
        flag("--insecure", "connect to the OCI registry via insecure HTTP protocol"),
        flag("--no-validate", "skip validation of the registry's credentials before logging-in"),
    ],
)
CREDENTIALS = ".sim-credentials.json"


def validate(ns: Namespace) -> None:
    if (ns.username is not None) != bool(ns.password_stdin):
        raise ValidationError("both --username and --password-stdin are required")


def load_credentials() -> dict[str, object]:
    try:
        data = loads(read_bytes(home.path(CREDENTIALS)))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_credentials(data: dict[str, object]) -> None:
    write_atomic(home.path(CREDENTIALS), (json_pretty(data) + "\n").encode())


def _prompt(label: str) -> str:
    sys.stdout.write(label)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise TartError("Failed to read credentials from standard input")
    return line.rstrip("\n")


def run(ns: Namespace) -> int:
    if isinstance(ns.username, str):
        user = ns.username
        password = sys.stdin.read().rstrip("\r\n")
    else:
        user = _prompt("User: ")
        password = _prompt("Password: ")
    expected = knobs.text("TART_SIM_LOGIN_PASSWORD")
    if not ns.no_validate and expected and password != expected:
        raise TartError(
            'invalid credentials: UnexpectedHTTPStatusCode(when: "doing ping", code: 401, '
            'details: "")'
        )
    credentials = load_credentials()
    credentials[str(ns.host)] = {"user": user}
    save_credentials(credentials)
    return 0
