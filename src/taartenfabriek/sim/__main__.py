"""`tart-sim` / `python -m taartenfabriek.sim`: a faithful stand-in for the `tart` CLI."""

from __future__ import annotations

import os
import sys


def _enable_bytecode_cache() -> None:
    """Keep compiled bytecode even under PYTHONDONTWRITEBYTECODE, outside the source tree.

    Without it every `tart` call recompiles the simulator (~20 ms, more than Python's own
    startup). TART_SIM_BYTECODE_CACHE=<dir> picks the directory, `0` turns this off.
    """
    choice = os.environ.get("TART_SIM_BYTECODE_CACHE", "")
    if not sys.dont_write_bytecode or choice == "0" or sys.pycache_prefix:
        return
    if not choice:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        choice = os.path.join(base, "taartenfabriek", "tart-sim-bytecode")
    sys.pycache_prefix = choice
    sys.dont_write_bytecode = False


def main() -> int:
    _enable_bytecode_cache()
    from .cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
