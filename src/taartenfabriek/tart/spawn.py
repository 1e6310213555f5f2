"""The `tart` processes that are not tasks: the terminal's `tart exec` on a pty, the demo's
own simulated VM started and stopped, and the doctor's quick looks, from synchronous code.

They live here so that the driver stays the one place that turns a request into a `tart`
command line and starts it (a rule test holds every other module to that).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import argv


async def exec_on_pty(
    tart_path: str, name: str, command: Sequence[str], env: Mapping[str, str], *, pty: int
) -> asyncio.subprocess.Process:
    """`tart exec -i -t <name> <command>` with the pty's slave side as stdin and stdout; tart's
    own errors on a pipe, so they can be told apart from the guest's output."""
    return await asyncio.create_subprocess_exec(
        tart_path,
        *argv.exec_(name, command),
        stdin=pty,
        stdout=pty,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env),
        start_new_session=True,
    )


def run_detached(tart_path: str, name: str, env: Mapping[str, str], log: Path) -> None:
    """`tart run` of one VM in its own session, its output appended to `log` (demo start)."""
    with open(log, "ab") as out:
        subprocess.Popen(
            [tart_path, *argv.run(name)],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def stop_sync(tart_path: str, name: str, env: Mapping[str, str], *, timeout: int = 2) -> None:
    """`tart stop`, waited for; failures are ignored (the VM may not be running)."""
    subprocess.run(
        [tart_path, *argv.stop(name, timeout=timeout)],
        env=dict(env),
        capture_output=True,
        timeout=30,
        check=False,
    )


def run_captured(
    tart_path: str, args: Sequence[str], env: Mapping[str, str], timeout: float
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `tart <args>` (args from `argv`); a missing, hanging or
    unstartable tart is an exit code (127, 124, 126) with a sentence, never an exception."""
    try:
        done = subprocess.run(
            [tart_path, *args],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return 127, "", f"{tart_path}: not found"
    except subprocess.TimeoutExpired:
        shown = " ".join([tart_path, *args[:1]])
        return 124, "", f"{shown} did not answer within {timeout:g} s"
    except OSError as exc:
        return 126, "", str(exc)
    return done.returncode, done.stdout, done.stderr
