"""The tart driver: argv builders, the subprocess runner and output parsers."""

from .runner import RunResult, TartRunner

__all__ = ["RunResult", "TartRunner"]
