"""VM names and OCI references: what may reach `tart` as a name (tart-cli.md §4).

Tart treats anything that parses as `host[:port]/namespace[:tag|@sha256:...]` as a remote
(OCI) name and everything else as local. We accept new local names only in the conservative
form api.md decides, so that no user string can become a flag or a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOCAL_NAME_MAX = 128
LOCAL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""Used with `fullmatch`: `$` would let a trailing newline through."""
RESERVED_NAMES = frozenset(
    {"categorized", "refresh", "create", "pull", "available-images", "import"}
)
ORCHARD_PREFIX = "orchard-"

_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_HOST = rf"(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[0-9]+))?"
# Tart's "runs of alnum, each optionally followed by one of . _ -", written without nested
# quantifiers: `(?:[A-Za-z0-9]+[._-]?)+` backtracks exponentially (a 30-character reference
# with one bad character froze the event loop for over a minute).
_COMPONENT = r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*[._-]?"
_NAMESPACE = rf"(?P<namespace>{_COMPONENT}(?:/{_COMPONENT})*)"
_TAG = r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*"
_REMOTE_RE = re.compile(
    rf"{_HOST}/{_NAMESPACE}(?::(?P<tag>{_TAG})|@(?P<algo>[A-Za-z0-9]+):(?P<digest>[A-Za-z0-9]+))?"
)


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


LOCAL_NAME_PATTERN = (
    f"^(?!{_any_case(ORCHARD_PREFIX)})"
    f"(?!(?:{'|'.join(_any_case(w) for w in sorted(RESERVED_NAMES))})$)"
    f"{LOCAL_NAME_RE.pattern}$"
)
"""`local_name_error` as a JSON Schema (ECMA) pattern for the OpenAPI document: the reserved
words and the Orchard prefix (any case) by lookahead."""
_PORT_1_65535 = (
    "0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
REMOTE_NAME_PATTERN = (
    "^"
    + re.sub(r"\(\?P<[a-z]+>", "(?:", _REMOTE_RE.pattern)
    .replace("@(?:[A-Za-z0-9]+):", "@sha256:")
    .replace("(?::(?:[0-9]+))?/", f"(?::{_PORT_1_65535})?/")
    + "$"
)
"""The same grammar as `parse_remote`, in JSON Schema (ECMA) syntax for the OpenAPI document,
with `remote_name_error`'s port range (1-65535) spelled out."""


@dataclass(frozen=True)
class RemoteName:
    """A parsed OCI reference, in Tart's canonical spelling."""

    host: str
    namespace: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.host}/{self.namespace}"

    def __str__(self) -> str:
        if self.digest is not None:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag or 'latest'}"


def parse_remote(value: str) -> RemoteName | None:
    """Parse `value` as Tart would; None when it is not a remote name."""
    if not value.isascii():
        return None
    match = _REMOTE_RE.fullmatch(value)
    if match is None:
        return None
    if match["algo"] is not None and match["algo"] != "sha256":
        return None
    host = match["host"] + (f":{match['port']}" if match["port"] else "")
    digest = f"sha256:{match['digest']}" if match["digest"] else None
    tag = match["tag"] if digest is None else None
    return RemoteName(host=host, namespace=match["namespace"], tag=tag or None, digest=digest)


def is_remote(value: str) -> bool:
    return parse_remote(value) is not None


def local_name_error(value: str) -> str | None:
    """Why `value` cannot be a new local VM name, or None when it can."""
    if not value:
        return "a VM name cannot be empty"
    if len(value) > LOCAL_NAME_MAX:
        return f"a VM name has at most {LOCAL_NAME_MAX} characters"
    if not LOCAL_NAME_RE.fullmatch(value):
        return (
            "a VM name starts with a letter or digit and holds only letters, digits, "
            "'.', '_' and '-'"
        )
    if value.lower().startswith(ORCHARD_PREFIX):
        return f"names starting with {ORCHARD_PREFIX!r} belong to Orchard workers"
    if value.lower() in RESERVED_NAMES:
        return f"{value!r} is reserved by the API"
    return None


def remote_name_error(value: str) -> str | None:
    """Why `value` is not a pullable OCI reference, or None when it is."""
    if not value:
        return "an image reference cannot be empty"
    if len(value) > 512:
        return "an image reference has at most 512 characters"
    parsed = parse_remote(value)
    if parsed is None:
        return (
            f"{value!r} is not an OCI reference of the form host/namespace[:tag|@sha256:digest], "
            "e.g. ghcr.io/cirruslabs/macos-sequoia-base:latest"
        )
    _, _, port = parsed.host.partition(":")
    if port and not 0 < int(port) <= 65535:
        return f"the registry port in {value!r} must be between 1 and 65535"
    return None


def is_safe_argument(value: str) -> bool:
    """A name that may be passed to tart positionally: never empty, never a flag, and no
    control characters (NUL cannot be in an argv; CR/LF would forge lines in logs)."""
    return (
        bool(value)
        and not value.startswith("-")
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    )
