"""TART_SIM_TRACE=<file>: a timestamped record of every invocation and every output line.

Benchmarks and tests need to know *when* `tart` ran and *when* it printed a line, on the
same clock as their own (`time.time()`, shared by every process on the machine): how many
`tart` calls a GET caused, how long a request took to spawn `tart`, how long a printed line
took to reach a WebSocket subscriber. Real Tart has no such thing; nothing outside tests and
benchmarks may rely on it.

One record per line, fields separated by TAB, appended with a single O_APPEND write (so
concurrent `tart` processes never interleave within a record):

    <time.time()> TAB <pid> TAB start TAB <argv joined by spaces>
    <time.time()> TAB <pid> TAB out|err TAB <text written>

The text is cut at 1,000 characters; backslash and newline are escaped as `\\\\` and `\\n`.

An `out`/`err` record carries the time taken just *before* the line was written to the pipe
(taken after, it could lag by however long the scheduler keeps `tart` off the CPU once the
write has woken its reader): no reader can have the line earlier than that.
Imports only `os`, `time`.
"""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("TART_SIM_TRACE", "")
MAX_TEXT = 1000
"""Characters of output kept per record (a `tart list` of 1,000 VMs prints 250 KB)."""


def enabled() -> bool:
    return bool(_PATH)


def _write(kind: str, text: str, stamp: float | None = None) -> None:
    if len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}[+{len(text) - MAX_TEXT} chars]"
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n")
    record = f"{time.time() if stamp is None else stamp:.6f}\t{os.getpid()}\t{kind}\t{escaped}\n"
    try:
        fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        os.write(fd, record.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def started(argv: list[str]) -> None:
    """Record this invocation (call first thing in `main`)."""
    if _PATH:
        _write("start", " ".join(argv))


def line(stream: str, text: str, stamp: float) -> None:
    """Record what one `output.out`/`output.err` call just wrote (`stream`: out or err);
    `stamp` is the time taken just before the write."""
    if _PATH:
        _write(stream, text, stamp)
