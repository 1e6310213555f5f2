"""Output formats byte-compatible with Tart (§2): text tables, pretty JSON, dates, sizes.

Imports only stdlib leaves (`os`, `sys`, `time`) and `trace`. The JSON writer mimics
swift-foundation's JSONWriter with `.prettyPrinted`: two-space indent, `"key" : value`, `/`
escaped as `\\/`, empty containers as `[\\n\\n]`.
"""

from __future__ import annotations

import os
import sys
import time

from . import trace


def out(line: str = "") -> None:
    """Print one line on stdout right away (Tart's stdout is line-buffered)."""
    stamp = time.time()
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    trace.line("out", line, stamp)


def err(line: str) -> None:
    stamp = time.time()
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    trace.line("err", line, stamp)


# --- text tables (§2.1) -------------------------------------------------------------------


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """TextTable's plain style, trimmed like Tart does; "" when there are no rows."""
    if not rows:
        return ""
    widths = [len(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for cells in [headers, *rows]:
        lines.append(" ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)) + "\n")
    return "".join(lines).strip()


# --- JSON (§2.2) --------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES.update({"\b": "\\b", "\f": "\\f"})


def _string(value: str) -> str:
    parts = ['"']
    for char in value:
        escaped = _ESCAPES.get(char)
        if escaped is not None:
            parts.append(escaped)
        elif char < " ":
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def _keys(value: dict[str, object]) -> list[str]:
    keys = sorted(value)
    if os.environ.get("TART_SIM_JSON_SHUFFLE", "") not in ("", "0"):
        import random

        random.shuffle(keys)
    return keys


def _write(value: object, indent: str, parts: list[str]) -> None:
    if isinstance(value, dict):
        inner = indent + "  "
        parts.append("{\n")
        for position, key in enumerate(_keys(value)):
            if position:
                parts.append(",\n")
            parts.append(inner + _string(key) + " : ")
            _write(value[key], inner, parts)
        parts.append("\n" + indent + "}")
    elif isinstance(value, list):
        inner = indent + "  "
        parts.append("[\n")
        for position, item in enumerate(value):
            if position:
                parts.append(",\n")
            parts.append(inner)
            _write(item, inner, parts)
        parts.append("\n" + indent + "]")
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif isinstance(value, int | float):
        parts.append(repr(value))
    elif isinstance(value, str):
        parts.append(_string(value))
    elif value is None:
        parts.append("null")
    else:
        raise TypeError(f"not JSON-serialisable: {value!r}")


def json_pretty(value: object) -> str:
    """Swift's pretty-printed JSON of `value` (no trailing newline)."""
    parts: list[str] = []
    _write(value, "", parts)
    return "".join(parts)


# --- dates and sizes ----------------------------------------------------------------------


def iso8601(timestamp: float) -> str:
    """ISO 8601 UTC without fraction, e.g. `2026-05-12T21:45:18Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


_UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)


def relative_phrase(timestamp: float, now: float | None = None) -> str:
    """English RelativeDateTimeFormatter (.full, numeric): `2 minutes ago`, `in 0 seconds`."""
    delta = (time.time() if now is None else now) - timestamp
    magnitude = abs(delta)
    count, unit = 0, "second"
    for unit_name, unit_seconds in _UNITS:
        if magnitude >= unit_seconds:
            count, unit = int(magnitude // unit_seconds), unit_name
            break
    word = unit if count == 1 else unit + "s"
    if delta < 0 or (count == 0 and delta == 0):
        return f"in {count} {word}"
    return f"{count} {word} ago"


def byte_count(size: int) -> str:
    """ByteCountFormatter (.file style, decimal units): `50 GB`, `21.35 GB`, `512 bytes`."""
    if size == 0:
        return "Zero KB"
    if abs(size) < 1000:
        return f"{size} byte" if abs(size) == 1 else f"{size} bytes"
    for power, unit, decimals in ((5, "PB", 2), (4, "TB", 2), (3, "GB", 2), (2, "MB", 1)):
        if abs(size) >= 1000**power:
            quotient, remainder = divmod(abs(size) * 10**decimals, 1000**power)
            if 2 * remainder >= 1000**power:
                quotient += 1  # round half up, on exact integers
            whole, fraction = divmod(quotient, 10**decimals)
            number = f"{whole}.{fraction:0{decimals}d}".rstrip("0").rstrip(".")
            return f"{'-' if size < 0 else ''}{number} {unit}"
    return f"{round(size / 1000)} KB"
