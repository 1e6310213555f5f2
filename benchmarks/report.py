"""Figures and the table the benchmark prints."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    """One measured figure with what it is compared to and the target it must meet."""

    name: str
    value: float
    unit: str
    baseline: str = ""
    """The floor or baseline measured in the same run, already formatted."""
    target: str = ""
    met: bool | None = None
    """None: informational, no target."""
    load: str = ""
    """The 1-minute load average when the figure was taken."""
    notes: list[str] = field(default_factory=list)

    def shown_value(self) -> str:
        if math.isnan(self.value):
            return "n/a"
        if self.unit in ("s", "ms"):
            return f"{self.value:.3f} {self.unit}" if self.unit == "s" else f"{self.value:.1f} ms"
        if self.value >= 100:
            return f"{self.value:,.0f} {self.unit}"
        return f"{self.value:.2f} {self.unit}"


def verdict(figure: Figure) -> str:
    if figure.met is None:
        return "info"
    return "MET" if figure.met else "NOT MET"


def table(figures: list[Figure]) -> str:
    headers = ("figure", "value", "floor / baseline (same run)", "target", "", "load")
    rows = [(f.name, f.shown_value(), f.baseline, f.target, verdict(f), f.load) for f in figures]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for index, row in enumerate([headers, *rows]):
        lines.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  - {f.name}: {note}" for f in figures for note in f.notes]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def machine() -> str:
    return (
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )


def write_json(path: Path, figures: list[Figure], meta: dict[str, object]) -> None:
    path.write_text(json.dumps({"meta": meta, "figures": [asdict(f) for f in figures]}, indent=2))
