"""de taartenfabriek: a local web app for Tart virtual machines.

The version has one home, pyproject.toml: it reaches the code through the installed package's
metadata. It is read on first use (module `__getattr__`), not at import: tart-sim is this
package too, runs once per simulated `tart` call, and importlib.metadata costs it ~20 ms.
"""

from __future__ import annotations

import functools

DISTRIBUTION = "taartenfabriek"
UNKNOWN_VERSION = "0+unknown"
"""What a source tree that was never installed (PYTHONPATH=src) reports: a valid PEP 440
version that sorts below every release, so it is never mistaken for one."""


@functools.cache
def package_version() -> str:
    """The installed distribution's version (a wheel, an editable install, Homebrew's venv)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return UNKNOWN_VERSION


def __getattr__(name: str) -> str:
    if name == "__version__":
        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
