"""The tart driver: argv builders, the subprocess runner, output parsers, TART_HOME on disk.

Imports only core/. Only backends/, the simulator and the assembly import it.
"""

from .runner import RunResult, TartRunner

__all__ = ["RunResult", "TartRunner"]
