"""The fake controller's wire rules (orchard-api.md §3, §6): lenient decoding with Go's
type errors, omit-empty encoding with always-present generations and timestamps."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

ZERO_TIME = "0001-01-01T00:00:00Z"
NAME_RE = re.compile(r"^[A-Za-z0-9:\-_.]+$")
INVALID_JSON = "invalid JSON was provided"

VM_FIELDS = (
    "image", "imagePullPolicy", "cpu", "memory", "diskSize", "net-bridged", "headless",
    "nested", "os", "arch", "runtime", "net-softnet", "netSoftnet", "netSoftnetAllow",
    "netSoftnetBlock", "suspendable", "powerState", "localName", "tartName",
    "observedGeneration", "conditions", "status", "status_message", "worker", "assignedCPU",
    "assignedMemory", "username", "password", "startup_script", "restart_policy",
    "restarted_at", "restart_count", "randomSerial", "uid", "resources", "labels", "hostDirs",
    "image_fqn", "scheduled_at", "started_at", "generation", "name", "createdAt", "version",
)  # fmt: skip
"""In the order Go emits them."""
WORKER_FIELDS = (
    "name", "last_seen", "machine_id", "scheduling_paused", "resources", "labels",
    "defaultCPU", "defaultMemory", "arch", "runtime", "createdAt",
)  # fmt: skip
ALWAYS = frozenset({"generation", "observedGeneration"})
TIMES = frozenset({"restarted_at", "scheduled_at", "started_at", "createdAt", "last_seen"})
ENUMS = {"os": ("darwin", "linux"), "arch": ("arm64", "amd64"), "runtime": ("tart", "vetu")}


class BadJSON(Exception):
    """The body does not decode into the Go struct (-> 400 invalid JSON was provided)."""


def _is_uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_str_map(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, dict) and all(check(x) for x in v.values())


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and bool(TIME_RE.match(value))


TYPES: dict[str, Callable[[Any], bool]] = {
    **{k: lambda v: isinstance(v, str) for k in (
        "image", "imagePullPolicy", "net-bridged", "powerState", "localName", "tartName",
        "status", "status_message", "worker", "username", "password", "restart_policy", "uid",
        "image_fqn", "name", "machine_id",
    )},
    **{k: _is_uint for k in (
        "cpu", "memory", "diskSize", "observedGeneration", "assignedCPU", "assignedMemory",
        "restart_count", "generation", "version", "defaultCPU", "defaultMemory",
    )},
    **{k: lambda v: isinstance(v, bool) for k in (
        "headless", "nested", "net-softnet", "netSoftnet", "suspendable", "randomSerial",
        "scheduling_paused",
    )},
    **{k: _is_time for k in TIMES},
    "netSoftnetAllow": _is_str_list,
    "netSoftnetBlock": _is_str_list,
    "resources": _is_str_map(_is_uint),
    "labels": _is_str_map(lambda v: isinstance(v, str)),
    "conditions": lambda v: isinstance(v, list)
    and all(isinstance(c, dict) and all(isinstance(x, str) for x in c.values()) for c in v),
    "startup_script": lambda v: isinstance(v, dict)
    and isinstance(v.get("script_content", ""), str)
    and _is_str_map(lambda x: isinstance(x, str))(v.get("env", {})),
    "hostDirs": lambda v: isinstance(v, list)
    and all(
        isinstance(d, dict)
        and isinstance(d.get("name", ""), str)
        and isinstance(d.get("path", ""), str)
        and isinstance(d.get("ro", False), bool)
        for d in v
    ),
}  # fmt: skip


def decode(body: bytes, *, array: bool = False) -> Any:
    """Go-like decoding: unknown keys ignored, null = absent, wrong types and enums -> BadJSON."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadJSON from exc
    if array:
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise BadJSON
        return data
    if not isinstance(data, dict):
        raise BadJSON
    clean: Json = {}
    for key, value in data.items():
        if value is None:
            continue
        check = TYPES.get(key)
        if check is not None and not check(value):
            raise BadJSON
        if key in ENUMS and value not in ENUMS[key] and value != "":
            raise BadJSON
        clean[key] = value
    return clean


def _empty(value: Any) -> bool:
    return value in (None, "", 0, False) or value == [] or value == {}


def encode(obj: Json, order: tuple[str, ...], *, with_version: bool = True) -> Json:
    """Omit-empty, except generations and timestamps (zero time spelled out)."""
    out: Json = {}
    for key in order:
        if key == "version" and not with_version:
            continue
        value = obj.get(key)
        if key in TIMES:
            out[key] = value or ZERO_TIME
        elif key in ALWAYS:
            out[key] = value or 0
        elif not _empty(value):
            out[key] = value
    return out


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seconds(value: str | None) -> float | None:
    """A wire timestamp -> unix seconds (fractions past microseconds dropped); zero -> None."""
    if not value or value.startswith("0001-01-01"):
        return None
    head, dot, rest = value.replace("Z", "+00:00").partition(".")
    if dot:
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        head = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    return datetime.fromisoformat(head).timestamp()
