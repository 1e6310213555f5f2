"""`tart list [--source local|oci] [--format text|json] [-q]`: local VMs, then OCI images."""

from __future__ import annotations

import time

from .. import localstore, ocistore, versions
from ..argspec import Namespace, Spec, flag, opt
from ..errors import ValidationError
from ..output import iso8601, json_pretty, out, relative_phrase, text_table
from ..vmdir import VMDir

SPEC = Spec(
    "list",
    "List created VMs",
    [
        opt(
            "--source",
            "Only display VMs from the specified source (e.g. --source local, --source oci).",
        ),
        opt(
            "--format",
            "Output format: text or json",
            type="choice",
            choices=("text", "json"),
            default="text",
        ),
        flag("--quiet", "Only display VM names.", short="q"),
    ],
)
COLUMNS = ("Source", "Name", "Disk", "Size", "Accessed", "State")


def validate(ns: Namespace) -> None:
    if ns.source is not None and ns.source not in ("local", "oci"):
        raise ValidationError(f"'{ns.source}' is not a valid <source>")


def _row(source: str, vm: VMDir) -> dict[str, object]:
    state = vm.state()
    return {
        "Source": source,
        "Name": vm.name,
        "Disk": vm.disk_gb(),
        "Size": vm.allocated_gb(),
        "Accessed": vm.access_time(),
        "Running": state == "running",
        "State": state,
    }


def _before_accessed(row: dict[str, object]) -> dict[str, object]:
    """Tart before 2.31.0 (#1202): `SizeOnDisk` after `Size`, no `Accessed`."""
    shown = {key: value for key, value in row.items() if key not in ("Accessed", "Running")}
    shown["SizeOnDisk"] = row["Size"]
    shown["Running"], shown["State"] = row["Running"], shown.pop("State")
    return shown


def run(ns: Namespace) -> int:
    rows: list[dict[str, object]] = []
    if ns.source in (None, "local"):
        rows += [_row("local", vm) for vm in localstore.list_vms()]
    if ns.source in (None, "oci"):
        rows += [_row("OCI", vm) for vm in ocistore.list_images()]
    if not versions.list_has_accessed():
        return _print_old(ns, [_before_accessed(row) for row in rows])
    if ns.quiet:
        for row in rows:
            out(str(row["Name"]))
        return 0
    if ns.format == "json":
        for row in rows:
            row["Accessed"] = iso8601(float(str(row["Accessed"])))
        out(json_pretty(rows))
        return 0
    now = time.time()
    cells = []
    for row in rows:
        row["Accessed"] = relative_phrase(float(str(row["Accessed"])), now)
        cells.append([str(row[column]) for column in COLUMNS])
    out(text_table(list(COLUMNS), cells))
    return 0


def _print_old(ns: Namespace, rows: list[dict[str, object]]) -> int:
    if ns.quiet:
        for row in rows:
            out(str(row["Name"]))
    elif ns.format == "json":
        out(json_pretty(rows))
    else:
        columns = ["Source", "Name", "Disk", "Size", "SizeOnDisk", "State"]
        out(text_table(columns, [[str(row[c]) for c in columns] for row in rows]))
    return 0
