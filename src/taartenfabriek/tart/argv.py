"""One argv builder per tart command; pure functions, no I/O.

Every positional name passes `_name` first, so a user string can never become a flag: callers
validate names against `names.py`, this is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.errors import InvalidInput
from ..core.names import is_safe_argument


class UnsafeName(InvalidInput, ValueError):
    """A name tart could misread (a flag, empty, control characters): 422, never a 500."""


def _name(value: str) -> str:
    if not isinstance(value, str) or not is_safe_argument(value):
        raise UnsafeName(f"refusing to pass {value!r} to tart as a name")
    return value


def shown(args: Sequence[str]) -> list[str]:
    """A command line as the user would type it (`tart run ...`), for display only."""
    return ["tart", *args]


def exec_(name: str, command: Sequence[str], *, interactive: bool = True) -> list[str]:
    """`tart exec -i -t <vm> <command...>`.

    Tart's `Exec` takes the name as its first positional and the rest with
    `.captureForPassthrough` (Sources/tart/Commands/Exec.swift:25-29): a name starting with
    `-` would be parsed as an option, so `_name` refuses it like everywhere else.
    """
    flags = ["-i", "-t"] if interactive else []
    return ["exec", *flags, _name(name), *command]


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


def login(host: str, username: str, *, insecure: bool = False) -> list[str]:
    """`tart login` with the password on stdin (`--password-stdin`), never in argv.

    Both flags or neither (Sources/tart/Commands/Login.swift `validate()`); without them Tart
    prompts on a terminal, which a server does not have.
    """
    argv = ["login", _name(host), "--username", _value(username), "--password-stdin"]
    if insecure:
        argv.append("--insecure")
    return argv


def logout(host: str) -> list[str]:
    return ["logout", _name(host)]


def push(
    source: str,
    remote_names: Sequence[str],
    *,
    insecure: bool = False,
    concurrency: int | None = None,
    chunk_size_mb: int | None = None,
    labels: Sequence[str] = (),
    populate_cache: bool = False,
) -> list[str]:
    """`tart push <source> <remote>...` (Sources/tart/Commands/Push.swift): one run, many tags."""
    if not remote_names:
        raise ValueError("push needs at least one remote name")
    argv = ["push", _name(source), *(_name(remote) for remote in remote_names)]
    if insecure:
        argv.append("--insecure")
    if concurrency is not None:
        argv += ["--concurrency", str(int(concurrency))]
    if chunk_size_mb is not None:
        argv += ["--chunk-size", str(int(chunk_size_mb))]
    for label in labels:
        argv += ["--label", _value(label)]
    if populate_cache:
        argv.append("--populate-cache")
    return argv


def export(name: str, path: str) -> list[str]:
    """`tart export <name> <path>`: always with a path, so Tart never asks on stdin whether to
    overwrite (it asks only for the default `<name>.tvm`, Sources/tart/Commands/Export.swift)
    and truncates an existing file silently; the caller decides about overwriting."""
    return ["export", _name(name), _value(path)]


def import_(path: str, name: str) -> list[str]:
    return ["import", _value(path), _name(name)]


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
    display_refit: bool | None = None,
) -> list[str]:
    """`display_refit` is the VM's current setting: every `tart set` rewrites it, and drops it
    when neither flag is given (Tart `Sources/tart/Commands/Set.swift:62`; flags since 2.21.0)."""
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
    if display_refit is not None:
        argv.append("--display-refit" if display_refit else "--no-display-refit")
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


# --- run flags and create from scratch (lifecycle) -----------------------------------------

DISPLAY_FLAGS: dict[str, tuple[str, ...]] = {
    "vnc": ("--vnc", "--no-graphics"),
    "vnc-experimental": ("--vnc-experimental", "--no-graphics"),
    "none": ("--no-graphics",),
}
"""The display modes a server may start: never a native window (no one may be looking)."""

NETWORK_FLAGS: dict[str, tuple[str, ...]] = {
    "nat": (),
    "softnet": ("--net-softnet",),
    "host": ("--net-host",),
}
"""Network modes without a value; `bridged` takes interfaces (see `run_flags`)."""


def _value(value: str, *, forbid: str = "") -> str:
    """An option's value: like a name, never a flag, and free of the separators tart splits on."""
    _name(value)
    bad = next((c for c in forbid if c in value), None)
    if bad is not None:
        raise ValueError(f"refusing to pass {value!r} to tart: it contains {bad!r}")
    return value


def dir_spec(name: str, path: str, *, read_only: bool = False, tag: str | None = None) -> str:
    """`--dir` value `name:path[:ro][,tag=T]` (options after the last `:`, comma-separated)."""
    options = ["ro"] if read_only else []
    if tag is not None:
        options.append(f"tag={_value(tag, forbid=':,=')}")
    spec = f"{_value(name, forbid=':,/')}:{_value(path, forbid=':,')}"
    return spec + (":" + ",".join(options) if options else "")


def disk_spec(path: str, *, read_only: bool = False) -> str:
    """`--disk` value `path[:ro]`."""
    return _value(path, forbid=":") + (":ro" if read_only else "")


def run_flags(
    *,
    display: str = "vnc",
    suspendable: bool = False,
    network: str = "nat",
    bridged_interfaces: Sequence[str] = (),
    rosetta_tag: str | None = None,
    dirs: Sequence[str] = (),
    disks: Sequence[str] = (),
    serial_path: str | None = None,
) -> list[str]:
    """The flags of `tart run` for one set of start options, each value its own argv element.

    `dirs` and `disks` are specs from `dir_spec` / `disk_spec`. The defaults give the seed's
    `--vnc --no-graphics`. `serial_path`: a pty's slave that Tart opens as the guest's
    virtio console (`--serial-path`, Sources/tart/Commands/Run.swift:80-85 and :399-405).
    """
    if display not in DISPLAY_FLAGS:
        raise ValueError(f"unknown display mode {display!r}")
    flags = list(DISPLAY_FLAGS[display])
    if network == "bridged":
        if not bridged_interfaces:
            raise ValueError("bridged networking needs at least one interface")
        for interface in bridged_interfaces:
            flags += ["--net-bridged", _value(interface)]
    elif network in NETWORK_FLAGS:
        flags += NETWORK_FLAGS[network]
    else:
        raise ValueError(f"unknown network mode {network!r}")
    if rosetta_tag is not None:
        flags += ["--rosetta", _value(rosetta_tag)]
    for spec in dirs:
        flags += ["--dir", _value(spec)]
    for spec in disks:
        flags += ["--disk", _value(spec)]
    if serial_path is not None:
        flags += ["--serial-path", _value(serial_path)]
    if suspendable:
        flags.append("--suspendable")
    return flags


def create_from_ipsw(name: str, source: str, *, disk_size_gb: int = 50) -> list[str]:
    """`tart create --from-ipsw latest|<URL>|<path>`: installs macOS (a long run with `N%`)."""
    return [
        "create",
        _name(name),
        "--from-ipsw",
        _value(source),
        "--disk-size",
        str(int(disk_size_gb)),
    ]
