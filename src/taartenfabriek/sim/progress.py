"""`N%` progress lines over a real wall-clock duration, like Tart's ProgressObserver.

The first line (`0%`) is printed plainly at once; later updates come at most once per
TART_SIM_PROGRESS_INTERVAL (Tart: 1 s) and only when the integer changes, plus a final
`100%`. Without env `CI` each update is ESC[1A + CR + ESC[J + `N%` (overwriting the previous
line); with `CI` set it is just `N%`. Imports `knobs`, `output`.
"""

from __future__ import annotations

import os
import time

from . import knobs
from .output import out

ANSI_UPDATE = "\x1b[1A\r\x1b[J"


class ProgressFailed(Exception):
    """The simulated transfer broke off (TART_SIM_PULL_FAIL)."""


class Progress:
    def __init__(self) -> None:
        self.ansi = "CI" not in os.environ
        self.last = ""
        self.interval = knobs.seconds("TART_SIM_PROGRESS_INTERVAL", 1.0) or 0.01

    def update(self, line: str) -> None:
        if line == self.last:
            return
        self.last = line
        out(ANSI_UPDATE + line if self.ansi else line)

    def run(
        self,
        duration: float,
        *,
        fail_at: float | None = None,
        hiccup_at: float | None = None,
        hiccup: str = "",
    ) -> None:
        """Print progress for `duration` seconds; raise ProgressFailed past `fail_at` (0..1);
        print the `hiccup` line (a retried error) once past `hiccup_at`."""
        start = time.monotonic()
        self.last = "0%"
        out("0%")
        end = start + duration
        tick = 1
        while True:
            due = start + tick * self.interval
            if due >= end:
                _sleep_until(end)
                if fail_at is not None:
                    raise ProgressFailed()
                self.update("100%")
                return
            _sleep_until(due)
            fraction = (time.monotonic() - start) / duration if duration > 0 else 1.0
            if fail_at is not None and fraction >= fail_at:
                raise ProgressFailed()
            if hiccup_at is not None and fraction >= hiccup_at:
                out(hiccup)
                hiccup_at = None
            self.update(f"{min(int(100 * fraction), 99)}%")
            tick += 1


def _sleep_until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
