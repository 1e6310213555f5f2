"""TART_HOME as Tart will see it, decided once for the server, `tart` and the doctor."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def resolve_tart_home(configured: Path | None, environ: Mapping[str, str]) -> Path:
    """TART_HOME once and for all: the setting, else the environment's, else ~/.tart, with `~`
    expanded and made absolute. The server reads this path and hands this same string to
    `tart` as TART_HOME: Tart takes the variable as a file URL (Config.swift:11-12), so a `~`
    would become a folder literally named `~` under whatever directory tart runs in."""
    raw = str(configured) if configured is not None else environ.get("TART_HOME") or "~/.tart"
    return Path(os.path.abspath(os.path.expanduser(raw)))
