"""One argv builder per tart command; pure functions, no I/O.

Every positional name passes `_name` first, so a user string can never become a flag: callers
validate names against `names.py`, this is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Sequence


def _name(value: str) -> str:
    if not value or value.startswith("-") or "\x00" in value or "\n" in value:
        raise ValueError(f"refusing to pass {value!r} to tart as a name")
    return value


def version() -> list[str]:
    return ["--version"]


def list_vms() -> list[str]:
    return ["list", "--format", "json"]


def get(name: str) -> list[str]:
    return ["get", _name(name), "--format", "json"]


def ip(name: str, *, wait: int = 0, resolver: str | None = None) -> list[str]:
    argv = ["ip", _name(name), "--wait", str(max(0, int(wait)))]
    if resolver is not None:
        argv += ["--resolver", resolver]
    return argv


def run(name: str, extra_flags: Sequence[str] = ("--vnc", "--no-graphics")) -> list[str]:
    return ["run", *extra_flags, _name(name)]


def stop(name: str, *, timeout: int | None = 30) -> list[str]:
    if timeout is None:
        return ["stop", _name(name)]
    return ["stop", "--timeout", str(int(timeout)), _name(name)]


def suspend(name: str) -> list[str]:
    return ["suspend", _name(name)]


def delete(name: str) -> list[str]:
    return ["delete", _name(name)]


def pull(reference: str) -> list[str]:
    return ["pull", _name(reference)]


def clone(source: str, new_name: str) -> list[str]:
    return ["clone", _name(source), _name(new_name)]


def fqn(name: str) -> list[str]:
    """Hidden `tart fqn`: the `host/ns@sha256:...` a cached tag points to."""
    return ["fqn", _name(name)]


def rename(name: str, new_name: str) -> list[str]:
    return ["rename", _name(name), _name(new_name)]


def set_(
    name: str,
    *,
    cpu: int | None = None,
    memory_mb: int | None = None,
    disk_size_gb: int | None = None,
    display: str | None = None,
    random_mac: bool = False,
) -> list[str]:
    argv = ["set", _name(name)]
    if cpu is not None:
        argv += ["--cpu", str(int(cpu))]
    if memory_mb is not None:
        argv += ["--memory", str(int(memory_mb))]
    if display is not None:
        argv += ["--display", _name(display)]
    if disk_size_gb is not None:
        argv += ["--disk-size", str(int(disk_size_gb))]
    if random_mac:
        argv.append("--random-mac")
    return argv


def create_linux(name: str, *, disk_size_gb: int = 50) -> list[str]:
    return ["create", _name(name), "--linux", "--disk-size", str(int(disk_size_gb))]


def prune(
    *,
    entries: str = "caches",
    older_than_days: int | None = None,
    space_budget_gb: int | None = None,
) -> list[str]:
    argv = ["prune", "--entries", entries]
    if older_than_days is not None:
        argv += ["--older-than", str(int(older_than_days))]
    if space_budget_gb is not None:
        argv += ["--space-budget", str(int(space_budget_gb))]
    return argv
