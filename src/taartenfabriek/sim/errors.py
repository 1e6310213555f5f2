"""Errors of the simulated `tart`, one class per way real Tart reports a failure (§1.1).

Imports nothing. `cli` turns each class into the matching stderr text and exit code.
"""

from __future__ import annotations


class SimError(Exception):
    """Base class: `message` is the text Tart prints, `exit_code` its status."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TartError(SimError):
    """A Tart `RuntimeError`: printed bare on stderr; exit 2 for the three VM-state errors."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class PlainError(SimError):
    """Any other Swift error: printed as `Error: <message>`, exit 1."""


class ValidationError(SimError):
    """An ArgumentParser `ValidationError`: `Error: <message>` plus usage, exit 64.

    Raised from a command's `validate()` it carries that subcommand's usage; raised from
    the command body (``root=True``) Tart prints the root usage instead.
    """

    exit_code = 64

    def __init__(self, message: str, *, root: bool = False) -> None:
        super().__init__(message)
        self.root = root


class ParseError(SimError):
    """A swift-argument-parser parse error (unknown option, missing value...), exit 64."""

    exit_code = 64

    def __init__(self, message: str, help_line: str = "") -> None:
        super().__init__(message)
        self.help_line = help_line


class HelpRequested(Exception):
    """`-h`/`--help` was given: print the help text on stdout, exit 0."""


def does_not_exist(name: str) -> TartError:
    return TartError(f'the specified VM "{name}" does not exist', 2)


def not_running(name: str) -> TartError:
    return TartError(f'VM "{name}" is not running', 2)


def missing_files() -> TartError:
    return TartError("VM is missing some of its files (config.json, disk.img or nvram.bin)")


def is_running(name: str) -> TartError:
    return TartError(f'VM "{name}" is running')
