"""Runs `tart` as asyncio subprocesses: timeouts, streaming, cancellation, detached runs.

Every child gets its own session (process group) so that a timeout or a cancel can signal the
whole group the way Ctrl+C would (SIGINT: Tart then removes its temporary files), followed by
SIGKILL if it does not go. OS errors and exit codes become `errors.*` here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..core.errors import TaartError, TartFailed, TartMissing, TartTimeout, Unsupported
from .features import TartRelease, argv_refusal, features_of, parse_version
from .parse import clean_line
from .words import plain_words

LineCallback = Callable[[str, str], None]
"""Called with (stream, line) for each cleaned output line; stream is `stdout` or `stderr`."""

SpawnCallback = Callable[[int], None]
"""Called with the child's pid right after it starts (for crash recovery bookkeeping)."""

INTERRUPT_GRACE = 10.0
"""Seconds a child gets to exit after SIGINT before SIGKILL."""


@dataclass(frozen=True)
class RunResult:
    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def describe_failure(result: RunResult) -> str:
    """One sentence for a failed run: tart's last stderr line is the useful part, in words
    (`plain_words`) where Tart prints a raw Swift value."""
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    reason = lines[-1] if lines else f"exit code {result.exit_code}"
    if reason.startswith(("Usage: ", "See ")):  # a usage error: its `Error: ` line says why
        reason = next((ln for ln in lines if ln.startswith("Error: ")), reason)
    reason = reason.removeprefix("Error: ")  # Tart's prefix is no part of the sentence
    words = plain_words(reason, result.argv)
    if words is not None:
        return words  # the raw line stays in the task's stderr and logs
    return f"tart {result.argv[1] if len(result.argv) > 1 else ''} failed: {reason}".replace(
        "  ", " "
    )


class TartRunner:
    """The one place that starts `tart` processes."""

    def __init__(self, tart_path: str, env: Mapping[str, str] | None = None) -> None:
        self.tart_path = tart_path
        self.env = dict(os.environ if env is None else env)
        self._release: TartRelease | None = None
        self._release_lock = asyncio.Lock()

    async def release(self) -> TartRelease:
        """`tart --version`, parsed; read once (an answer that failed is asked again)."""
        async with self._release_lock:
            if self._release is None:
                result = await self.run(["--version"], timeout=30, check=True)
                self._release = parse_version(result.stdout)
            return self._release

    async def gate(self, args: Sequence[str]) -> None:
        """Refuse (409, naming the release needed) an argv this Tart does not understand, so
        an old Tart never gets a flag it misreads; costs nothing for ungated commands. When
        the version cannot be read, the command runs and tart answers for itself."""
        if not features_of(args):
            return
        try:
            release = await self.release()
        except TaartError:
            return
        reason = argv_refusal(release, args)
        if reason is not None:
            raise Unsupported(reason)

    def argv(self, args: Sequence[str]) -> list[str]:
        return [self.tart_path, *args]

    async def _start(
        self,
        argv: list[str],
        stdout: int | IO[bytes],
        stderr: int | IO[bytes],
        stdin: int = asyncio.subprocess.DEVNULL,
    ) -> asyncio.subprocess.Process:
        try:
            return await asyncio.create_subprocess_exec(
                *argv,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                env=self.env,
                start_new_session=True,
            )
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise TartMissing(
                f"tart is not installed (no executable {self.tart_path!r}); install it with "
                "`brew install cirruslabs/cli/tart`, or start the server with --demo"
            ) from exc
        except PermissionError as exc:
            raise TartMissing(f"tart at {self.tart_path!r} cannot be executed: {exc}") from exc

    async def run(
        self,
        args: Sequence[str],
        *,
        timeout: float,
        check: bool = False,
        on_line: LineCallback | None = None,
        on_spawn: SpawnCallback | None = None,
        stdin: bytes | None = None,
    ) -> RunResult:
        """Run tart to completion; on timeout or cancel, interrupt it like Ctrl+C.

        `stdin` is written to the child and closed (a secret such as `tart login`'s password
        travels this way, never in argv); without it the child's stdin is /dev/null.
        """
        await self.gate(args)
        argv = self.argv(args)
        started = time.monotonic()
        pipe = asyncio.subprocess.PIPE
        process = await self._start(
            argv, pipe, pipe, stdin=asyncio.subprocess.DEVNULL if stdin is None else pipe
        )
        if on_spawn is not None:
            on_spawn(process.pid)
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin)
            with contextlib.suppress(ConnectionError):
                await process.stdin.drain()
            process.stdin.close()
        stdout, stderr = process.stdout, process.stderr
        assert stdout is not None and stderr is not None
        chunks: dict[str, list[str]] = {"stdout": [], "stderr": []}

        async def pump(stream: asyncio.StreamReader, name: str) -> None:
            pending = b""
            while True:
                data = await stream.read(65536)
                if not data:
                    break
                text = data.decode("utf-8", "replace")
                chunks[name].append(text)
                if on_line is None:
                    continue
                pending += data
                *complete, pending = _split_lines(pending)
                for raw in complete:
                    line = clean_line(raw.decode("utf-8", "replace"))
                    if line:
                        on_line(name, line)
            if on_line is not None and pending:
                line = clean_line(pending.decode("utf-8", "replace"))
                if line:
                    on_line(name, line)

        async def complete() -> int:
            await asyncio.gather(pump(stdout, "stdout"), pump(stderr, "stderr"))
            return await process.wait()

        try:
            exit_code = await asyncio.wait_for(complete(), timeout)
        except TimeoutError:
            await self._interrupt(process)
            raise TartTimeout(
                f"tart {args[0] if args else ''} did not finish within {timeout:g} s and was "
                "stopped",
                argv=argv,
                timeout=timeout,
            ) from None
        except asyncio.CancelledError:
            await asyncio.shield(self._interrupt(process))
            raise
        result = RunResult(
            argv=argv,
            exit_code=exit_code,
            stdout="".join(chunks["stdout"]),
            stderr="".join(chunks["stderr"]),
            duration=time.monotonic() - started,
        )
        if check and not result.ok:
            raise TartFailed(
                describe_failure(result), argv=argv, exit_code=exit_code, stderr=result.stderr
            )
        return result

    async def _interrupt(self, process: asyncio.subprocess.Process) -> None:
        """SIGINT the child's process group, SIGKILL what lingers, and reap everything.

        SIGINT gives Tart its Ctrl+C clean-up; whatever is left of the group afterwards
        (the leader after the grace period, or helpers that ignore SIGINT) is killed so no
        orphan keeps running or holds our pipes.
        """
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            # Poll returncode rather than await wait(): on Python 3.11 wait() also waits for
            # the pipes to close, which a lingering grandchild can hold open.
            deadline = time.monotonic() + INTERRUPT_GRACE
            while process.returncode is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(TimeoutError, ValueError, OSError):
            await asyncio.wait_for(process.communicate(), INTERRUPT_GRACE)

    async def spawn_detached(
        self, args: Sequence[str], log_path: Path
    ) -> asyncio.subprocess.Process:
        """Start a long-lived tart (`run`) in its own session with output to a file.

        The child outlives the server: a file, not a pipe, so no SIGPIPE when we go away, and
        its own session, so Ctrl+C on the server's terminal never reaches it (tart-cli.md §0.18).
        """
        await self.gate(args)
        argv = self.argv(args)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab", buffering=0) as log:
            return await self._start(argv, log, log)


def _split_lines(data: bytes) -> list[bytes]:
    """Split on `\\n` and `\\r` alike, keeping an unterminated tail as the last element."""
    parts: list[bytes] = []
    start = 0
    for index, byte in enumerate(data):
        if byte in (10, 13):
            parts.append(data[start:index])
            start = index + 1
    parts.append(data[start:])
    return parts
