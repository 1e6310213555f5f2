"""`tart list [--source local|oci] [--format text|json] [-q]`: local VMs, then OCI images."""

from __future__ import annotations

import time

from .. import localstore, ocistore
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


def run(ns: Namespace) -> int:
    rows: list[dict[str, object]] = []
    if ns.source in (None, "local"):
        rows += [_row("local", vm) for vm in localstore.list_vms()]
    if ns.source in (None, "oci"):
        rows += [_row("OCI", vm) for vm in ocistore.list_images()]
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
