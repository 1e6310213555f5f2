"""Entry point logic: dispatch a `tart` argv to its subcommand with Tart's exact error channels.

Runtime errors print bare on stderr (exit 1 or 2); other errors print `Error: <msg>` (exit 1);
parse and validation errors add a usage block (exit 64) — the subcommand's, or the root's
for validation errors raised in a command body (§1.1). Imports `argspec`, `errors`, `home`,
`knobs`, `output`, `trace`; the subcommand module only once chosen.
"""

from __future__ import annotations

import sys
import time

from . import knobs, trace
from .argspec import Namespace, Spec, parse
from .commands import COMMANDS
from .errors import HelpRequested, ParseError, SimError, TartError, ValidationError
from .output import err, out

VERSION = "2.32.1"
ROOT_USAGE = "Usage: tart <subcommand>\n  See 'tart --help' for more information."


def _usage_error(message: str, usage: str, help_line: str = "") -> int:
    text = f"Error: {message}\n"
    if help_line:
        text += f"Help:  {help_line}\n"
    sys.stderr.write(text + usage + "\n")
    sys.stderr.flush()
    return 64


def _root_help() -> str:
    from .helptext import root_help

    return root_help([(name, entry[1]) for name, entry in COMMANDS.items() if entry[2]])


def _help_text(spec: Spec) -> str:
    from .helptext import help_text

    return help_text(spec)


def _injected(subcommand: str) -> int | None:
    """TART_SIM_HANG / TART_SIM_FAIL, applied before anything else happens."""
    if knobs.in_list("TART_SIM_HANG", subcommand):
        while True:
            time.sleep(3600)
    failure = knobs.injected_failure(subcommand)
    if failure is not None:
        code, message = failure
        if message:
            err(message)
        return code
    return None


def _load(subcommand: str) -> tuple[Spec, object]:
    # __import__ rather than importlib.import_module: importing importlib costs startup time.
    name = f"{__package__}.commands.{COMMANDS[subcommand][0]}"
    __import__(name)
    module = sys.modules[name]
    spec = getattr(module, "SPEC")  # noqa: B009 - modules are untyped here
    assert isinstance(spec, Spec)
    return spec, module


def dispatch(argv: list[str]) -> int:
    if argv and not argv[0].startswith("-"):
        injected = _injected(argv[0])
        if injected is not None:
            return injected
    if not argv or argv[0] in ("-h", "--help"):
        out(_root_help())
        return 0
    subcommand = argv[0]
    if subcommand == "help":
        if len(argv) > 1 and argv[1] in COMMANDS:
            out(_help_text(_load(argv[1])[0]))
        else:
            out(_root_help())
        return 0
    if subcommand == "--version":
        out(knobs.text("TART_SIM_VERSION", VERSION) or VERSION)
        return 0
    from .versions import too_new  # an older release (TART_SIM_VERSION) lacks later features

    missing = too_new(subcommand, argv[1:])
    if missing is not None:
        message, root = missing
        usage = (
            ROOT_USAGE if root or subcommand not in COMMANDS else _load(subcommand)[0].usage_block()
        )
        return _usage_error(message, usage)
    if subcommand.startswith("-"):
        return _usage_error(f"Unknown option '{subcommand.partition('=')[0]}'", ROOT_USAGE)
    if subcommand not in COMMANDS:
        return _usage_error(f"Unexpected argument '{subcommand}'", ROOT_USAGE)

    spec, module = _load(subcommand)
    try:
        namespace = parse(spec, argv[1:])
    except HelpRequested:
        out(_help_text(spec))
        return 0
    except ParseError as error:
        return _usage_error(error.message, spec.usage_block(), error.help_line)

    validate = getattr(module, "validate", None)
    try:
        if validate is not None:
            validate(namespace)
    except ValidationError as error:
        return _usage_error(error.message, ROOT_USAGE if error.root else spec.usage_block())
    except SimError as error:
        # Errors thrown while ArgumentParser validates are printed `Error: ...`, exit 1.
        err(f"Error: {error.message}")
        return 1

    from . import home  # not needed by --version/--help: keep those cheapest

    try:
        if subcommand in ("pull", "clone"):
            home.tart_home()
        else:
            home.tart_home()
            home.collect_garbage()
        code = getattr(module, "run")(namespace)  # noqa: B009 - module is untyped here
        assert isinstance(code, int)
        return code
    except ValidationError as error:
        return _usage_error(error.message, ROOT_USAGE if error.root else spec.usage_block())
    except TartError as error:
        err(error.message)
        return error.exit_code
    except SimError as error:
        err(f"Error: {error.message}")
        return error.exit_code
    except BrokenPipeError:
        raise
    except OSError as error:
        # An unexpected file-system failure: Foundation errors print as `Error: ...`.
        err(f"Error: {error.strerror or error}: {error.filename or ''}".rstrip(": "))
        return 1
    except Exception as error:  # a simulator bug: still answer like Tart, without a traceback
        err(f"Error: {type(error).__name__}: {error}")
        return 1


def main(argv: list[str] | None = None) -> int:
    trace.started(sys.argv[1:] if argv is None else argv)
    stdout = sys.stdout
    if hasattr(stdout, "reconfigure"):
        stdout.reconfigure(line_buffering=True)
    try:
        return dispatch(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        # SIGINT cancels the command's task; Tart then reports the cancellation (unsure).
        err("Error: CancellationError()")
        return 1
    except BrokenPipeError:
        _die_of_sigpipe()
        return 1


def _die_of_sigpipe() -> None:
    """A write to a closed pipe kills Tart with SIGPIPE (Python ignores SIGPIPE by default)."""
    import os
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGPIPE)


__all__ = ["Namespace", "dispatch", "main"]
